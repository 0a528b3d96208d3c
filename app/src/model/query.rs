//! The advanced query language of every list screen, SCIM-filter style:
//! `userName sw "ann" and (enabled eq true or not (email pr))`.
//!
//! Parsed in the browser (instant feedback) and again on the server (never trust the client).
//! Errors name the offending token and its column.
//!
//! Every query is bounded (length, conditions, nesting) before it can grow a deep tree: the
//! parser, the SQL translation and dropping the tree all recurse, and an unbounded query sent by
//! any signed-in operator would otherwise overflow the stack and abort the whole server.
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 4_000;
/// Most conditions (`attr op value` or `attr pr`) in one query.
pub const MAX_QUERY_CONDITIONS: usize = 64;
/// Deepest nesting of parentheses and `not`.
pub const MAX_QUERY_DEPTH: usize = 16;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare {
        attribute: String,
        op: CompareOp,
        value: Literal,
    },
    Present(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Lt,
    Ge,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "co" => Self::Co,
            "sw" => Self::Sw,
            "ew" => Self::Ew,
            "gt" => Self::Gt,
            "lt" => Self::Lt,
            "ge" => Self::Ge,
            "le" => Self::Le,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Literal {
    Text(String),
    Integer(i64),
    Bool(bool),
    Null,
}

/// Where and why a query could not be read. `column` counts characters from 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryError {
    pub column: usize,
    pub token: String,
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.token.is_empty() {
            write!(f, "At column {}: {}", self.column, self.message)
        } else {
            write!(
                f,
                "At column {} near \"{}\": {}",
                self.column, self.token, self.message
            )
        }
    }
}

impl std::error::Error for QueryError {}

#[derive(Clone, Debug, PartialEq)]
enum TokenKind {
    Word(String),
    Text(String),
    Number(i64),
    Open,
    Close,
    End,
}

#[derive(Clone, Debug)]
struct Token {
    kind: TokenKind,
    column: usize,
    raw: String,
}

fn tokenize(input: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    if chars.len() > MAX_QUERY_CHARS {
        return Err(QueryError {
            column: MAX_QUERY_CHARS + 1,
            token: String::new(),
            message: format!(
                "the query is {} characters long; at most {MAX_QUERY_CHARS} are allowed",
                chars.len()
            ),
        });
    }
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            tokens.push(Token {
                kind: if c == '(' {
                    TokenKind::Open
                } else {
                    TokenKind::Close
                },
                column,
                raw: c.to_string(),
            });
            i += 1;
        } else if c == '"' {
            let mut text = String::new();
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => {
                        return Err(QueryError {
                            column,
                            token: chars[i..].iter().take(20).collect(),
                            message: "this string is never closed with a double quote".into(),
                        })
                    }
                    Some('\\') => {
                        match chars.get(j + 1) {
                            Some(escaped @ ('"' | '\\')) => text.push(*escaped),
                            _ => {
                                return Err(QueryError {
                                    column: j + 1,
                                    token: chars[j..(j + 2).min(chars.len())].iter().collect(),
                                    message: "only \\\" and \\\\ may be escaped".into(),
                                })
                            }
                        }
                        j += 2;
                    }
                    Some('"') => break,
                    Some(other) => {
                        text.push(*other);
                        j += 1;
                    }
                }
            }
            tokens.push(Token {
                kind: TokenKind::Text(text),
                column,
                raw: chars[i..=j].iter().collect(),
            });
            i = j + 1;
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let raw: String = chars[i..j].iter().collect();
            let number = raw.parse().map_err(|_| QueryError {
                column,
                token: raw.clone(),
                message: "this number is too large".into(),
            })?;
            tokens.push(Token {
                kind: TokenKind::Number(number),
                column,
                raw,
            });
            i = j;
        } else if c.is_alphanumeric() || c == '_' {
            let mut j = i + 1;
            while j < chars.len()
                && (chars[j].is_alphanumeric() || matches!(chars[j], '_' | '.' | '-'))
            {
                j += 1;
            }
            let raw: String = chars[i..j].iter().collect();
            tokens.push(Token {
                kind: TokenKind::Word(raw.clone()),
                column,
                raw,
            });
            i = j;
        } else {
            return Err(QueryError {
                column,
                token: c.to_string(),
                message: "unexpected character; strings go in double quotes".into(),
            });
        }
    }
    tokens.push(Token {
        kind: TokenKind::End,
        column: chars.len() + 1,
        raw: String::new(),
    });
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Parentheses and `not`s open around the token being read.
    depth: usize,
    conditions: usize,
}

fn is_keyword(word: &str, keyword: &str) -> bool {
    word.eq_ignore_ascii_case(keyword)
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.at]
    }

    fn next(&mut self) -> Token {
        let token = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        token
    }

    fn error(token: &Token, message: impl Into<String>) -> QueryError {
        QueryError {
            column: token.column,
            token: token.raw.clone(),
            message: message.into(),
        }
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(&self.peek().kind, TokenKind::Word(w) if is_keyword(w, keyword))
    }

    fn or(&mut self) -> Result<Filter, QueryError> {
        let mut left = self.and()?;
        while self.peek_keyword("or") {
            self.next();
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, QueryError> {
        let mut left = self.unary()?;
        while self.peek_keyword("and") {
            self.next();
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// Enters a `not` or a parenthesis at `token`, refusing to nest deeper than the limit.
    fn enter(&mut self, token: &Token) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_QUERY_DEPTH {
            return Err(Self::error(
                token,
                format!("nested too deeply; at most {MAX_QUERY_DEPTH} levels of \"not\" and parentheses are allowed"),
            ));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Filter, QueryError> {
        if self.peek_keyword("not") {
            let not = self.next();
            self.enter(&not)?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(inner)));
        }
        let token = self.next();
        match token.kind {
            TokenKind::Open => {
                self.enter(&token)?;
                let inner = self.or()?;
                self.depth -= 1;
                let close = self.next();
                if close.kind != TokenKind::Close {
                    return Err(Self::error(
                        &close,
                        "expected \")\" to close the group opened here",
                    ));
                }
                Ok(inner)
            }
            TokenKind::Word(ref attribute)
                if !["and", "or"].iter().any(|k| is_keyword(attribute, k)) =>
            {
                self.conditions += 1;
                if self.conditions > MAX_QUERY_CONDITIONS {
                    return Err(Self::error(
                        &token,
                        format!("too many conditions; at most {MAX_QUERY_CONDITIONS} are allowed in one query"),
                    ));
                }
                let attribute = attribute.clone();
                let op_token = self.next();
                let TokenKind::Word(op_word) = &op_token.kind else {
                    return Err(Self::error(
                        &op_token,
                        "expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr)",
                    ));
                };
                if is_keyword(op_word, "pr") {
                    return Ok(Filter::Present(attribute));
                }
                let op = CompareOp::parse(op_word).ok_or_else(|| {
                    Self::error(
                        &op_token,
                        "unknown operator; use eq, ne, co, sw, ew, gt, lt, ge, le or pr",
                    )
                })?;
                let value_token = self.next();
                let value = match &value_token.kind {
                    TokenKind::Text(text) => Literal::Text(text.clone()),
                    TokenKind::Number(n) => Literal::Integer(*n),
                    TokenKind::Word(w) if is_keyword(w, "true") => Literal::Bool(true),
                    TokenKind::Word(w) if is_keyword(w, "false") => Literal::Bool(false),
                    TokenKind::Word(w) if is_keyword(w, "null") => Literal::Null,
                    TokenKind::End => {
                        return Err(Self::error(&value_token, "the query ends before the value"))
                    }
                    _ => {
                        return Err(Self::error(
                            &value_token,
                            "expected a value: \"text\", a number, true, false or null",
                        ))
                    }
                };
                Ok(Filter::Compare {
                    attribute,
                    op,
                    value,
                })
            }
            TokenKind::End => Err(Self::error(
                &token,
                "the query ends where a condition should start",
            )),
            _ => Err(Self::error(
                &token,
                "expected an attribute name, \"not\" or \"(\"",
            )),
        }
    }
}

/// Parses a query; an empty or blank query means "everything" (`None`).
pub fn parse_filter(input: &str) -> Result<Option<Filter>, QueryError> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    let mut parser = Parser {
        tokens: tokenize(input)?,
        at: 0,
        depth: 0,
        conditions: 0,
    };
    let filter = parser.or()?;
    let rest = parser.peek().clone();
    if rest.kind != TokenKind::End {
        return Err(Parser::error(
            &rest,
            "expected \"and\", \"or\" or the end of the query",
        ));
    }
    Ok(Some(filter))
}

impl Filter {
    /// Every attribute the filter mentions with its column, for checking against a schema.
    pub fn attributes(&self) -> Vec<&str> {
        match self {
            Self::And(a, b) | Self::Or(a, b) => {
                let mut all = a.attributes();
                all.extend(b.attributes());
                all
            }
            Self::Not(inner) => inner.attributes(),
            Self::Compare { attribute, .. } | Self::Present(attribute) => vec![attribute.as_str()],
        }
    }
}

/// Finds the column of the first mention of `attribute` in `input` (for error messages
/// raised after parsing, such as "unknown attribute").
pub fn attribute_column(input: &str, attribute: &str) -> usize {
    input
        .find(attribute)
        .map(|byte| input[..byte].chars().count() + 1)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compare(attribute: &str, op: CompareOp, value: Literal) -> Filter {
        Filter::Compare {
            attribute: attribute.into(),
            op,
            value,
        }
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let parsed = parse_filter(r#"a eq 1 or b sw "x" and c pr"#)
            .unwrap()
            .unwrap();
        assert_eq!(
            parsed,
            Filter::Or(
                Box::new(compare("a", CompareOp::Eq, Literal::Integer(1))),
                Box::new(Filter::And(
                    Box::new(compare("b", CompareOp::Sw, Literal::Text("x".into()))),
                    Box::new(Filter::Present("c".into()))
                ))
            )
        );
    }

    #[test]
    fn parentheses_not_and_literals() {
        let parsed = parse_filter(r#"not (enabled eq false) AND userName ew "a\"b""#)
            .unwrap()
            .unwrap();
        assert_eq!(
            parsed,
            Filter::And(
                Box::new(Filter::Not(Box::new(compare(
                    "enabled",
                    CompareOp::Eq,
                    Literal::Bool(false)
                )))),
                Box::new(compare(
                    "userName",
                    CompareOp::Ew,
                    Literal::Text("a\"b".into())
                ))
            )
        );
        assert_eq!(parsed.attributes(), vec!["enabled", "userName"]);
    }

    #[test]
    fn blank_query_matches_everything() {
        assert_eq!(parse_filter("   ").unwrap(), None);
    }

    #[test]
    fn errors_point_at_the_bad_token() {
        let error = parse_filter(r#"userName xx "ann""#).unwrap_err();
        assert_eq!((error.column, error.token.as_str()), (10, "xx"));
        assert!(error.message.contains("unknown operator"));

        let error = parse_filter(r#"userName eq "ann" enabled eq true"#).unwrap_err();
        assert_eq!((error.column, error.token.as_str()), (19, "enabled"));

        let error = parse_filter(r#"(a eq 1"#).unwrap_err();
        assert!(error.message.contains("\")\""), "{error}");

        let error = parse_filter(r#"a eq "open"#).unwrap_err();
        assert_eq!(error.column, 6);
        assert!(error.to_string().contains("never closed"));

        let error = parse_filter("a eq").unwrap_err();
        assert!(error.message.contains("ends before the value"));

        let error = parse_filter("a eq 1 and").unwrap_err();
        assert!(error.message.contains("ends where a condition"));
    }

    #[test]
    fn chains_of_nots_are_refused_by_length_or_at_the_first_level_too_deep() {
        let query = format!("{}userName pr", "not ".repeat(50_000));
        let error = parse_filter(&query).unwrap_err();
        assert!(error.message.contains("at most"), "{error}");
        assert_eq!(error.column, MAX_QUERY_CHARS + 1, "{error}");

        let query = format!("{}userName pr", "not ".repeat(MAX_QUERY_DEPTH + 1));
        let error = parse_filter(&query).unwrap_err();
        assert_eq!(error.column, 4 * MAX_QUERY_DEPTH + 1, "{error}");
        assert!(error.message.contains("nested too deeply"), "{error}");

        let query = format!("{}userName pr", "not ".repeat(MAX_QUERY_DEPTH));
        assert!(parse_filter(&query).is_ok());
    }

    #[test]
    fn deep_parentheses_are_refused_with_the_column_of_the_first_too_deep() {
        let depth = MAX_QUERY_DEPTH + 1;
        let query = format!("{}a pr{}", "(".repeat(depth), ")".repeat(depth));
        let error = parse_filter(&query).unwrap_err();
        assert_eq!((error.column, error.token.as_str()), (depth, "("));
        assert!(error.message.contains("nested too deeply"), "{error}");
    }

    #[test]
    fn too_many_conditions_are_refused_and_the_limit_itself_is_accepted() {
        let chain = |n: usize| vec!["a eq 1"; n].join(" and ");
        assert!(parse_filter(&chain(MAX_QUERY_CONDITIONS)).is_ok());
        let error = parse_filter(&chain(MAX_QUERY_CONDITIONS + 1)).unwrap_err();
        assert!(error.message.contains("too many conditions"), "{error}");
        assert_eq!(error.column, MAX_QUERY_CONDITIONS * 11 + 1, "{error}");
    }

    #[test]
    fn an_overlong_query_is_refused_before_it_is_read() {
        let query = format!("a eq \"{}\"", "x".repeat(MAX_QUERY_CHARS));
        let error = parse_filter(&query).unwrap_err();
        assert!(error.message.contains("characters long"), "{error}");
    }

    /// Depth of `not`/grouping and the number of conditions of a parsed filter.
    fn measure(filter: &Filter) -> (usize, usize) {
        match filter {
            Filter::And(a, b) | Filter::Or(a, b) => {
                let (da, ca) = measure(a);
                let (db, cb) = measure(b);
                (da.max(db), ca + cb)
            }
            Filter::Not(inner) => {
                let (d, c) = measure(inner);
                (d + 1, c)
            }
            Filter::Compare { .. } | Filter::Present(_) => (0, 1),
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const WORDS: &[&str] = &[
            "not", "(", ")", "and", "or", "userName", "pr", "eq", "\"x\"", "1", "true", "ne", "\"",
            "\\", "-", "é",
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// Arbitrary text: never a panic; an error points inside the query (or just after).
            #[test]
            fn any_text_parses_or_gets_a_located_error(input in any::<String>()) {
                if let Err(error) = parse_filter(&input) {
                    prop_assert!(error.column >= 1);
                    prop_assert!(error.column <= input.chars().count() + 1);
                }
            }

            /// Adversarial token soup, thousands long: never a panic or a stack overflow, and
            /// whatever parses is within the limits.
            #[test]
            fn token_soup_parses_within_the_limits_or_is_refused(
                tokens in proptest::collection::vec(proptest::sample::select(WORDS), 0..3_000)
            ) {
                let input = tokens.join(" ");
                if let Ok(Some(filter)) = parse_filter(&input) {
                    let (depth, conditions) = measure(&filter);
                    prop_assert!(depth <= MAX_QUERY_DEPTH);
                    prop_assert!(conditions <= MAX_QUERY_CONDITIONS);
                    prop_assert!(input.chars().count() <= MAX_QUERY_CHARS);
                }
            }
        }
    }
}
