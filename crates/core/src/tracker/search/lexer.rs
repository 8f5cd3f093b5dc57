//! Hand-written lexer for filter and order-by expressions: field paths (`metrics.loss`, ``params.`a.b` ``), quoted
//! strings with escapes, numbers, comparison operators and punctuation, each token tagged with its 1-based column.

/// A failure at a column; the parser turns it into a `SearchError::Syntax` naming the input it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Fail {
    pub column: usize,
    pub message: String,
}

impl Fail {
    pub fn at(column: usize, message: impl Into<String>) -> Fail {
        Fail { column, message: message.into() }
    }
}

/// One dot-separated part of a field path; `quoted` when it was written in backticks (never a keyword then).
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub text: String,
    pub quoted: bool,
    pub column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn sql(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Path(Vec<Segment>),
    Str(String),
    Num(f64),
    Op(CmpOp),
    LParen,
    RParen,
    Comma,
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub column: usize,
    /// The token as written, for error messages.
    pub raw: String,
}

impl Token {
    /// The keyword this token spells (lowercased), if it is a single bare word.
    pub fn keyword(&self) -> Option<String> {
        match &self.tok {
            Tok::Path(segs) if segs.len() == 1 && !segs[0].quoted => Some(segs[0].text.to_ascii_lowercase()),
            _ => None,
        }
    }

    pub fn is_keyword(&self, word: &str) -> bool {
        self.keyword().is_some_and(|k| k == word)
    }
}

/// Split `text` into tokens, ending with `Tok::End` at the column after the last character.
pub fn lex(text: &str) -> Result<Vec<Token>, Fail> {
    let chars: Vec<char> = text.chars().collect();
    let mut lexer = Lexer { chars, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        lexer.skip_whitespace();
        let start = lexer.pos;
        let Some(c) = lexer.peek(0) else {
            tokens.push(Token { tok: Tok::End, column: start + 1, raw: String::new() });
            return Ok(tokens);
        };
        let tok = match c {
            '(' => lexer.single(Tok::LParen),
            ')' => lexer.single(Tok::RParen),
            ',' => lexer.single(Tok::Comma),
            '=' | '!' | '<' | '>' => lexer.operator()?,
            '\'' | '"' => Tok::Str(lexer.string(c)?),
            c if c.is_ascii_digit() => lexer.number()?,
            '-' | '.' if lexer.peek(1).is_some_and(|d| d.is_ascii_digit()) => lexer.number()?,
            '-' if lexer.peek(1) == Some('.') && lexer.peek(2).is_some_and(|d| d.is_ascii_digit()) => lexer.number()?,
            c if c.is_alphabetic() || c == '_' || c == '`' => Tok::Path(lexer.path()?),
            other => return Err(Fail::at(start + 1, format!("unexpected character '{other}'"))),
        };
        let raw: String = lexer.chars[start..lexer.pos].iter().collect();
        tokens.push(Token { tok, column: start + 1, raw });
    }
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

/// Characters allowed in a bare (unquoted) key segment.
fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '/' | ':')
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek(0).is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn single(&mut self, tok: Tok) -> Tok {
        self.pos += 1;
        tok
    }

    fn operator(&mut self) -> Result<Tok, Fail> {
        let column = self.pos + 1;
        let (op, len) = match (self.peek(0), self.peek(1)) {
            (Some('='), Some('=')) => (CmpOp::Eq, 2),
            (Some('='), _) => (CmpOp::Eq, 1),
            (Some('!'), Some('=')) => (CmpOp::Ne, 2),
            (Some('<'), Some('>')) => (CmpOp::Ne, 2),
            (Some('<'), Some('=')) => (CmpOp::Le, 2),
            (Some('<'), _) => (CmpOp::Lt, 1),
            (Some('>'), Some('=')) => (CmpOp::Ge, 2),
            (Some('>'), _) => (CmpOp::Gt, 1),
            _ => return Err(Fail::at(column, "unexpected character '!' (did you mean '!=' or the keyword NOT?)")),
        };
        self.pos += len;
        Ok(Tok::Op(op))
    }

    /// A quoted string: the quote doubled or backslash-escaped stands for itself; `\\ \n \t \r \' \"` are escapes;
    /// `\%` and `\_` are kept as written so LIKE patterns can match a literal `%` or `_`.
    fn string(&mut self, quote: char) -> Result<String, Fail> {
        let open = self.pos + 1;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek(0) else {
                return Err(Fail::at(
                    open,
                    format!("unterminated string: no closing {quote} for the one at column {open}"),
                ));
            };
            if c == quote {
                if self.peek(1) == Some(quote) {
                    out.push(quote);
                    self.pos += 2;
                    continue;
                }
                self.pos += 1;
                return Ok(out);
            }
            if c == '\\' {
                let escaped = match self.peek(1) {
                    Some('\\') => "\\",
                    Some('\'') => "'",
                    Some('"') => "\"",
                    Some('n') => "\n",
                    Some('t') => "\t",
                    Some('r') => "\r",
                    Some('%') => "\\%",
                    Some('_') => "\\_",
                    Some(other) => {
                        return Err(Fail::at(
                            self.pos + 1,
                            format!(r#"unknown escape '\{other}' in string: expected one of \\ \' \" \n \t \r \% \_"#),
                        ));
                    }
                    None => {
                        return Err(Fail::at(
                            open,
                            format!("unterminated string: no closing {quote} for the one at column {open}"),
                        ));
                    }
                };
                out.push_str(escaped);
                self.pos += 2;
                continue;
            }
            out.push(c);
            self.pos += 1;
        }
    }

    /// `-?digits[.digits][e[+-]digits]` (also `.5`); a letter straight after a number is an error.
    fn number(&mut self) -> Result<Tok, Fail> {
        let start = self.pos;
        if self.peek(0) == Some('-') {
            self.pos += 1;
        }
        self.digits();
        if self.peek(0) == Some('.') {
            self.pos += 1;
            if !self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                return Err(Fail::at(self.pos + 1, "expected a digit after the decimal point"));
            }
            self.digits();
        }
        if matches!(self.peek(0), Some('e' | 'E')) {
            self.pos += 1;
            if matches!(self.peek(0), Some('+' | '-')) {
                self.pos += 1;
            }
            if !self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                return Err(Fail::at(self.pos + 1, "expected digits in the number's exponent"));
            }
            self.digits();
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        if self.peek(0).is_some_and(|c| is_key_char(c) || c == '.') {
            return Err(Fail::at(start + 1, format!("invalid number '{text}{}'", self.peek(0).unwrap_or(' '))));
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Tok::Num(v)),
            _ => Err(Fail::at(start + 1, format!("number '{text}' is out of range"))),
        }
    }

    fn digits(&mut self) {
        while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    /// Dot-separated segments, each bare (`[A-Za-z0-9_-/:]+`) or in backticks (a doubled backtick stands for one).
    fn path(&mut self) -> Result<Vec<Segment>, Fail> {
        let mut segments = Vec::new();
        loop {
            let column = self.pos + 1;
            let segment = if self.peek(0) == Some('`') {
                self.pos += 1;
                let mut text = String::new();
                loop {
                    match self.peek(0) {
                        None => return Err(Fail::at(column, "unterminated `quoted` key: no closing backtick")),
                        Some('`') if self.peek(1) == Some('`') => {
                            text.push('`');
                            self.pos += 2;
                        }
                        Some('`') => {
                            self.pos += 1;
                            break;
                        }
                        Some(c) => {
                            text.push(c);
                            self.pos += 1;
                        }
                    }
                }
                if text.is_empty() {
                    return Err(Fail::at(column, "empty `quoted` key"));
                }
                Segment { text, quoted: true, column }
            } else {
                let start = self.pos;
                while self.peek(0).is_some_and(is_key_char) {
                    self.pos += 1;
                }
                if start == self.pos {
                    let found = self.peek(0).map_or("the end".to_string(), |c| format!("'{c}'"));
                    return Err(Fail::at(column, format!("expected a key after '.', found {found}")));
                }
                Segment { text: self.chars[start..self.pos].iter().collect(), quoted: false, column }
            };
            segments.push(segment);
            if self.peek(0) != Some('.') {
                return Ok(segments);
            }
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        lex(text).unwrap().into_iter().map(|t| t.tok).collect()
    }

    fn seg(text: &str, quoted: bool, column: usize) -> Segment {
        Segment { text: text.into(), quoted, column }
    }

    #[test]
    fn numbers_in_every_form() {
        assert_eq!(
            toks("1 -2 3.5 -0.25 1e3 2.5E-2 .5 -.5"),
            vec![
                Tok::Num(1.0),
                Tok::Num(-2.0),
                Tok::Num(3.5),
                Tok::Num(-0.25),
                Tok::Num(1000.0),
                Tok::Num(0.025),
                Tok::Num(0.5),
                Tok::Num(-0.5),
                Tok::End
            ]
        );
    }

    #[test]
    fn strings_with_both_quotes_and_escapes() {
        assert_eq!(
            toks(r#"'it''s' "say \"hi\"" 'a\\b' 'tab\there' '100\%'"#)[..5],
            [
                Tok::Str("it's".into()),
                Tok::Str("say \"hi\"".into()),
                Tok::Str("a\\b".into()),
                Tok::Str("tab\there".into()),
                Tok::Str("100\\%".into()),
            ]
        );
    }

    #[test]
    fn every_operator() {
        assert_eq!(
            toks("= == != <> < <= > >="),
            [CmpOp::Eq, CmpOp::Eq, CmpOp::Ne, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge]
                .into_iter()
                .map(Tok::Op)
                .chain([Tok::End])
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn paths_with_bare_and_backticked_segments() {
        let tokens = lex("metrics.`val/loss` >= 1 and params.`a.b`= 'x' tags.team-a/b:c").unwrap();
        assert_eq!(tokens[0].tok, Tok::Path(vec![seg("metrics", false, 1), seg("val/loss", true, 9)]));
        assert_eq!(tokens[0].raw, "metrics.`val/loss`");
        assert_eq!(tokens[4].tok, Tok::Path(vec![seg("params", false, 29), seg("a.b", true, 36)]));
        assert_eq!(tokens[4].column, 29);
        assert_eq!(tokens[7].tok, Tok::Path(vec![seg("tags", false, 47), seg("team-a/b:c", false, 52)]));
        assert_eq!(tokens[8].column, 62);
    }

    #[test]
    fn a_doubled_backtick_is_a_literal_backtick() {
        assert_eq!(toks("params.`a``b`")[0], Tok::Path(vec![seg("params", false, 1), seg("a`b", true, 8)]));
    }

    #[test]
    fn errors_name_their_column() {
        let cases = [
            ("params.x = 'abc", 12, "unterminated string"),
            ("x = \"abc", 5, "unterminated string"),
            ("metrics.x > 0.8 & y", 17, "unexpected character '&'"),
            ("metrics.x ! 1", 11, "unexpected character '!'"),
            ("metrics.`val", 9, "unterminated `quoted` key"),
            ("metrics. > 1", 9, "expected a key after '.'"),
            ("metrics.`` > 1", 9, "empty `quoted` key"),
            ("x > 1.", 7, "expected a digit after the decimal point"),
            ("x > 1e", 7, "expected digits in the number's exponent"),
            ("x > 12abc", 5, "invalid number '12a'"),
            ("x > 1e999", 5, "out of range"),
            ("x = 'a\\qb'", 7, "unknown escape '\\q'"),
            ("x = 'ok' #", 10, "unexpected character '#'"),
        ];
        for (text, column, needle) in cases {
            let fail = lex(text).unwrap_err();
            assert_eq!(fail.column, column, "{text}: {fail:?}");
            assert!(fail.message.contains(needle), "{text}: {fail:?}");
        }
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let tokens = lex("name = 'héllo' and").unwrap();
        assert_eq!(tokens[3].column, 16);
        assert!(tokens[3].is_keyword("and"));
    }
}
