//! `SearchError`: what can go wrong while parsing a filter or an order-by, checking scope and paging, or running the
//! compiled query. Syntax and type errors carry the 1-based column and render the offending text with a caret.

use crate::kind::ErrorKind;
use crate::store::StoreError;

/// Which piece of user text an error points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Filter,
    OrderBy,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::Filter => "filter",
            Source::OrderBy => "order-by",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A syntax or type error at a position of a filter or order-by expression.
    #[error("{} error at column {column}: {message}\n{}", input.label(), caret(text, *column))]
    Syntax { input: Source, text: String, column: usize, message: String },
    #[error("limit {0} is out of range: expected 1 to {max}", max = super::MAX_LIMIT)]
    Limit(u32),
    #[error("the order-by has {0} fields: at most {max} are allowed", max = super::MAX_ORDER_TERMS)]
    OrderTerms(usize),
    #[error("experiment '{0}' not found (looked for an experiment with that id or name)")]
    UnknownExperiment(String),
    #[error("invalid status '{0}': expected one of running, finished, failed, killed")]
    Status(String),
    /// The database holds something the schema should not allow.
    #[error("corrupt run {run_id}: {detail}")]
    Corrupt { run_id: String, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SearchError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            SearchError::Syntax { .. }
            | SearchError::Limit(_)
            | SearchError::OrderTerms(_)
            | SearchError::Status(_) => ErrorKind::Input,
            SearchError::UnknownExperiment(_) => ErrorKind::NotFound,
            SearchError::Corrupt { .. } => ErrorKind::Failed,
            SearchError::Store(e) => e.kind(),
        }
    }

    /// The 1-based column of a syntax error, if this is one.
    pub fn column(&self) -> Option<usize> {
        match self {
            SearchError::Syntax { column, .. } => Some(*column),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for SearchError {
    fn from(e: sqlx::Error) -> Self {
        SearchError::Store(StoreError::from(e))
    }
}

/// The text on one line (control characters shown as spaces so the caret lines up) and a caret under `column`.
fn caret(text: &str, column: usize) -> String {
    let shown: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    format!("  {shown}\n  {}^", " ".repeat(column.saturating_sub(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_show_the_text_and_a_caret_under_the_column() {
        let e = SearchError::Syntax {
            input: Source::Filter,
            text: "a =\tb".into(),
            column: 5,
            message: "expected a value".into(),
        };
        assert_eq!(e.to_string(), "filter error at column 5: expected a value\n  a = b\n      ^");
        assert_eq!(e.kind(), ErrorKind::Input);
    }

    #[test]
    fn an_unknown_experiment_is_not_found_and_exits_2() {
        let e = SearchError::UnknownExperiment("nope".into());
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.kind().exit_code(), 2);
    }
}
