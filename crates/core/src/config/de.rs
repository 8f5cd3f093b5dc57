//! A serde `Deserializer` over a positioned YAML tree: a type error comes back with the position and dotted path of
//! the innermost node that failed, and keys already reported as unknown are skipped so the rest still gets checked.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use super::tree::{Node, Pos, Scalar, Value};

/// A deserialisation failure at a node.
#[derive(Debug)]
pub struct DeError {
    pub message: String,
    pub pos: Option<Pos>,
    pub path: Option<String>,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError { message: msg.to_string(), pos: None, path: None }
    }
}

impl DeError {
    fn at(mut self, node: &Node, path: &str) -> DeError {
        if self.pos.is_none() {
            self.pos = Some(node.pos.clone());
            self.path = Some(path.to_string());
        }
        self
    }
}

/// Deserialise `node` (found at dotted `path`) as `T`, skipping the dotted paths in `skip`.
pub fn from_node<T: DeserializeOwned>(node: &Node, path: &str, skip: &HashSet<String>) -> Result<T, DeError> {
    T::deserialize(NodeDe { node, path: path.to_string(), skip })
}

pub fn join(path: &str, seg: &str) -> String {
    if path.is_empty() { seg.to_string() } else { format!("{path}.{seg}") }
}

struct NodeDe<'a> {
    node: &'a Node,
    path: String,
    skip: &'a HashSet<String>,
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Seq(items) => visitor.visit_seq(SeqAccess { items: items.iter(), index: 0, de: &self }),
            Value::Map(entries) => {
                let entries: Vec<_> =
                    entries.iter().filter(|(k, _)| !self.skip.contains(&join(&self.path, &k.name))).collect();
                visitor.visit_map(MapAccess { entries: entries.into_iter(), value: None, de: &self })
            }
            Value::Scalar { .. } => match self.node.resolve() {
                Some(Scalar::Bool(b)) => visitor.visit_bool(b),
                Some(Scalar::Int(i)) => visitor.visit_i64(i),
                Some(Scalar::Float(f)) => visitor.visit_f64(f),
                Some(Scalar::Str(s)) => visitor.visit_str(s),
                Some(Scalar::Null) | None => visitor.visit_unit(),
            },
        };
        result.map_err(|e| e.at(self.node, &self.path))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            let (node, path) = (self.node, self.path.clone());
            visitor.visit_none().map_err(|e: DeError| e.at(node, &path))
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let result: Result<V::Value, DeError> = match self.node.resolve() {
            Some(Scalar::Str(s)) => visitor.visit_enum(s.into_deserializer()),
            _ => Err(de::Error::custom("expected one of the names listed for this key")),
        };
        result.map_err(|e| e.at(self.node, &self.path))
    }

    /// A text field takes any non-null plain scalar as written (`cpu: 2` is the string "2").
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar { text, .. } if !self.node.is_null() => {
                let (node, path) = (self.node, self.path.clone());
                visitor.visit_str(text).map_err(|e: DeError| e.at(node, &path))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit unit_struct
        newtype_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct SeqAccess<'a, 'b> {
    items: std::slice::Iter<'a, Node>,
    index: usize,
    de: &'b NodeDe<'a>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, '_> {
    type Error = DeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        let Some(node) = self.items.next() else { return Ok(None) };
        let path = join(&self.de.path, &self.index.to_string());
        self.index += 1;
        seed.deserialize(NodeDe { node, path, skip: self.de.skip }).map(Some)
    }
}

struct MapAccess<'a, 'b> {
    entries: std::vec::IntoIter<&'a (super::tree::Key, Node)>,
    value: Option<(&'a str, &'a Node)>,
    de: &'b NodeDe<'a>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, '_> {
    type Error = DeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        let Some((key, node)) = self.entries.next() else { return Ok(None) };
        self.value = Some((&key.name, node));
        let de: de::value::StrDeserializer<'_, DeError> = key.name.as_str().into_deserializer();
        seed.deserialize(de).map(Some).map_err(|e| {
            let pos = key.pos.clone();
            DeError { pos: Some(pos), path: Some(join(&self.de.path, &key.name)), ..e }
        })
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((name, node)) = self.value.take() else {
            return Err(de::Error::custom("value requested before its key"));
        };
        seed.deserialize(NodeDe { node, path: join(&self.de.path, name), skip: self.de.skip })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tree::{Origin, parse};
    use super::super::types::{AgentConfig, LlmConfig};
    use super::*;

    #[test]
    fn type_errors_point_at_the_value() {
        let text = "max_steps: 3\nmax_failures: lots\nstep_delay_ms: 0\nuse_vision: true\nmax_actions_per_step: 1\n";
        let root = parse(text, Origin::File).unwrap().unwrap();
        let err = from_node::<AgentConfig>(&root, "agent", &HashSet::new()).unwrap_err();
        let pos = err.pos.unwrap();
        assert_eq!((pos.line, pos.col), (2, 15));
        assert_eq!(err.path.as_deref(), Some("agent.max_failures"));
        assert!(err.message.contains("expected u32"), "{}", err.message);
    }

    #[test]
    fn skipped_keys_are_ignored_and_enums_parse() {
        let text = "provider: openai-compatible\nmodel: m\ntemperature: 1\nmax_tokens: 5\nbogus: 1\n\
                    timeout_secs: 3\nmax_retries: 0\n";
        let root = parse(text, Origin::File).unwrap().unwrap();
        let skip = HashSet::from(["llm.bogus".to_string()]);
        let llm = from_node::<LlmConfig>(&root, "llm", &skip).unwrap();
        assert_eq!(llm.provider.as_str(), "openai-compatible");
        assert_eq!(llm.temperature, 1.0);
        assert_eq!(llm.api_key, None);
        assert!(from_node::<LlmConfig>(&root, "llm", &HashSet::new()).is_err());
    }

    #[test]
    fn text_fields_take_numbers_as_written_but_not_null() {
        let root = parse(
            "cpu: 2
memory: 1.50
",
            Origin::File,
        )
        .unwrap()
        .unwrap();
        let r = from_node::<super::super::types::Resources>(&root, "r", &HashSet::new()).unwrap();
        assert_eq!((r.cpu.as_str(), r.memory.as_str()), ("2", "1.50"));
        let root = parse(
            "cpu: null
memory: 1Gi
",
            Origin::File,
        )
        .unwrap()
        .unwrap();
        let err = from_node::<super::super::types::Resources>(&root, "r", &HashSet::new()).unwrap_err();
        assert_eq!(err.path.as_deref(), Some("r.cpu"));
    }
}
