//! The two SQL dialects a compiled search is written in: SQLite (every local store) and PostgreSQL (the team server's
//! database). The compiler writes one query shape for both; every place where their SQL text must differ for a filter
//! to select the same runs in the same order is here:
//!
//! - a param or tag "is a number" when it is a JSON number: SQLite asks `json_valid`/`json_type`, PostgreSQL matches
//!   the JSON number grammar (RFC 8259, surrounding JSON whitespace allowed) with a regular expression, and converts
//!   only under a `CASE` (PostgreSQL does not promise to evaluate `AND` left to right, and a cast of text that is not
//!   a number is an error there);
//! - text compares and sorts by its bytes: SQLite's `BINARY`; PostgreSQL's `"C"` collation whatever the database's
//!   own (`COLLATE "C"` on text sort keys and on `<`, `<=`, `>`, `>=`; equality is the same under any deterministic
//!   collation, so `=`/`IN` keep using the indexes);
//! - a case-sensitive `LIKE` is SQLite's `GLOB` and PostgreSQL's `LIKE`; `ILIKE` folds ASCII letters only on both
//!   (SQLite's `LIKE`; `translate` of `A`–`Z` on PostgreSQL, whose own `ILIKE` would fold other letters as well);
//! - a param or tag sort key that mixes numbers and text (numbers first ascending) is one `CASE` in SQLite and three
//!   keys in PostgreSQL (kind, number, text), since a PostgreSQL `CASE` has one type;
//! - `CROSS JOIN … ON` (SQLite keeps the join order) is a plain `JOIN` in PostgreSQL; `+col` (keeps SQLite off an
//!   index) is just `col`; `?` placeholders become `$1`, `$2`, …

use super::compile::Sql;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A JSON number (RFC 8259) with optional JSON whitespace around it, as a PostgreSQL regular expression.
const JSON_NUMBER: &str = r"^[ \t\n\r]*-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?[ \t\n\r]*$";

/// `A`–`Z` and `a`–`z`, for PostgreSQL's `translate`.
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

impl Dialect {
    /// True when text column `col` holds a JSON number (`12`, `-0.5`, `1e3`).
    pub fn numeric_guard(self, col: &str) -> String {
        match self {
            Dialect::Sqlite => {
                format!("(CASE WHEN json_valid({col}) THEN json_type({col}) IN ('integer', 'real') ELSE 0 END)")
            }
            Dialect::Postgres => format!("({col} ~ '{JSON_NUMBER}')"),
        }
    }

    /// Text column `col` as a number; NULL (PostgreSQL) or meaningless (SQLite) where `numeric_guard` is false, so
    /// callers test the guard as well.
    pub fn as_number(self, col: &str) -> String {
        match self {
            Dialect::Sqlite => format!("CAST({col} AS REAL)"),
            Dialect::Postgres => {
                format!("(CASE WHEN {} THEN CAST({col} AS DOUBLE PRECISION) END)", self.numeric_guard(col))
            }
        }
    }

    /// Text column `col` compared or sorted by its bytes.
    pub fn bytes(self, col: &str) -> String {
        match self {
            Dialect::Sqlite => col.to_string(),
            Dialect::Postgres => format!("{col} COLLATE \"C\""),
        }
    }

    /// The join that follows the written order in SQLite (`CROSS JOIN`); PostgreSQL plans the order itself.
    pub fn join(self) -> &'static str {
        match self {
            Dialect::Sqlite => " CROSS JOIN ",
            Dialect::Postgres => " JOIN ",
        }
    }

    /// `col` written so that SQLite does not use its index (`+col`); PostgreSQL decides by its statistics.
    pub fn unindexed(self, col: &str) -> String {
        match self {
            Dialect::Sqlite => format!("+{col}"),
            Dialect::Postgres => col.to_string(),
        }
    }

    /// Runs of experiments that are not archived.
    pub fn not_archived(self) -> &'static str {
        match self {
            Dialect::Sqlite => "e.archived = 0",
            Dialect::Postgres => "NOT e.archived",
        }
    }

    /// `col [NOT] LIKE pattern`: case-sensitive, or ignoring the case of ASCII letters only.
    pub fn like(self, col: &str, negated: bool, case_insensitive: bool, pattern: &str, sql: &mut Sql) {
        let not = if negated { "NOT " } else { "" };
        match (self, case_insensitive) {
            (Dialect::Sqlite, false) => {
                // SQLite's LIKE ignores ASCII case, so a case-sensitive LIKE runs as the equivalent GLOB.
                sql.push(&format!("{col} {not}GLOB "));
                sql.bind(super::compile::Bind::Text(super::compile::like_to_glob(pattern)));
            }
            (Dialect::Sqlite, true) => {
                sql.push(&format!("{col} {not}LIKE "));
                sql.bind(super::compile::Bind::Text(pattern.to_string()));
                sql.push(" ESCAPE '\\'");
            }
            (Dialect::Postgres, false) => {
                sql.push(&format!("{col} {not}LIKE "));
                sql.bind(super::compile::Bind::Text(literal_trailing_escape(pattern)));
                sql.push(" ESCAPE '\\'");
            }
            (Dialect::Postgres, true) => {
                sql.push(&format!("translate({col}, '{UPPER}', '{LOWER}') {not}LIKE translate("));
                sql.bind(super::compile::Bind::Text(literal_trailing_escape(pattern)));
                sql.push(&format!(", '{UPPER}', '{LOWER}') ESCAPE '\\'"));
            }
        }
    }

    /// The sort key(s) of a param or tag value `col` (NULL when the run lacks it): numbers numerically, before text
    /// ascending and after it descending, text by its bytes; runs without the key last either way.
    pub fn mixed_sort_keys(self, col: &str, dir: &str) -> Vec<String> {
        let guard = self.numeric_guard(col);
        match self {
            Dialect::Sqlite => {
                vec![format!("CASE WHEN {guard} THEN {} ELSE {col} END {dir} NULLS LAST", self.as_number(col))]
            }
            Dialect::Postgres => vec![
                format!("(CASE WHEN {col} IS NULL THEN NULL WHEN {guard} THEN 0 ELSE 1 END) {dir} NULLS LAST"),
                format!("{} {dir} NULLS LAST", self.as_number(col)),
                format!("(CASE WHEN {guard} THEN NULL ELSE {col} END) COLLATE \"C\" {dir} NULLS LAST"),
            ],
        }
    }

    /// The query as this dialect runs it: PostgreSQL numbers its placeholders (`$1`, `$2`, … for the `?`s outside
    /// quoted literals, in order).
    pub fn finish(self, sql: Sql) -> Sql {
        match self {
            Dialect::Sqlite => sql,
            Dialect::Postgres => {
                let mut text = String::with_capacity(sql.text.len() + sql.binds.len() * 2);
                let (mut quoted, mut n) = (false, 0);
                for c in sql.text.chars() {
                    match c {
                        '\'' => {
                            quoted = !quoted;
                            text.push(c);
                        }
                        '?' if !quoted => {
                            n += 1;
                            text.push_str(&format!("${n}"));
                        }
                        _ => text.push(c),
                    }
                }
                Sql { text, binds: sql.binds }
            }
        }
    }
}

/// A LIKE pattern ending in a lone `\` means that backslash literally (as the SQLite translation reads it);
/// PostgreSQL refuses such a pattern, so the backslash is escaped.
fn literal_trailing_escape(pattern: &str) -> String {
    let trailing = pattern.chars().rev().take_while(|c| *c == '\\').count();
    if trailing % 2 == 1 { format!("{pattern}\\") } else { pattern.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::search::compile::Bind;

    #[test]
    fn postgres_numbers_placeholders_outside_quoted_text_only() {
        let mut sql = Sql::default();
        sql.push("SELECT 1 WHERE a ~ '^x?$' AND b = ");
        sql.bind(Bind::Int(1));
        sql.push(" AND c IN ");
        sql.bind_list([Bind::Int(2), Bind::Int(3)]);
        let done = Dialect::Postgres.finish(sql.clone());
        assert_eq!(done.text, "SELECT 1 WHERE a ~ '^x?$' AND b = $1 AND c IN ($2, $3)");
        assert_eq!(Dialect::Sqlite.finish(sql.clone()), sql);
    }

    #[test]
    fn a_lone_trailing_backslash_becomes_a_literal_one() {
        assert_eq!(literal_trailing_escape("a\\"), "a\\\\");
        assert_eq!(literal_trailing_escape("a\\\\"), "a\\\\");
        assert_eq!(literal_trailing_escape("a\\%"), "a\\%");
    }
}
