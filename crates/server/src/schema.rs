//! specta → JSON Schema: turns the `specta::Type` description of an api input or output into the JSON Schema
//! (OpenAPI 3.1 dialect) of what serde really reads and writes — serde renames, `rename_all`, defaults, `Option`,
//! flatten, and the four enum representations (external, internal `tag`, adjacent `tag`+`content`, untagged).
//! Named types become `#/components/schemas/<Name>` references, collected in `components`.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};
use specta::Types;
use specta::datatype::{
    Attributes, DataType, Enum, Field, Fields, NamedReferenceType, Primitive, Reference, Struct, Variant,
};

/// Collects component schemas while converting types.
#[derive(Default)]
pub struct SchemaGen {
    pub components: BTreeMap<String, Value>,
    /// Component name → module path that owns it (to tell apart same-named types of different modules).
    owners: HashMap<String, String>,
    /// Generic arguments of the named types being inlined, innermost last.
    generics: Vec<Vec<(String, Value)>>,
}

fn attr<'a>(attrs: &'a Attributes, key: &str) -> Option<&'a str> {
    attrs.get_named_as::<String>(key).map(String::as_str)
}

fn flag(attrs: &Attributes, key: &str) -> bool {
    attrs.get_named_as::<bool>(key).copied().unwrap_or(false)
}

/// serde's `rename_all` for a field name written in snake_case.
fn rename_field(name: &str, rule: &str) -> String {
    let pascal = || name.split('_').map(capitalize).collect::<String>();
    match rule {
        "UPPERCASE" | "SCREAMING_SNAKE_CASE" => name.to_ascii_uppercase(),
        "PascalCase" => pascal(),
        "camelCase" => lower_first(&pascal()),
        "kebab-case" => name.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => name.replace('_', "-").to_ascii_uppercase(),
        _ => name.to_string(),
    }
}

/// serde's `rename_all` for a variant name written in PascalCase.
fn rename_variant(name: &str, rule: &str) -> String {
    let snake = || {
        let mut out = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    };
    match rule {
        "lowercase" => name.to_ascii_lowercase(),
        "UPPERCASE" => name.to_ascii_uppercase(),
        "camelCase" => lower_first(name),
        "snake_case" => snake(),
        "SCREAMING_SNAKE_CASE" => snake().to_ascii_uppercase(),
        "kebab-case" => snake().replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => snake().replace('_', "-").to_ascii_uppercase(),
        _ => name.to_string(),
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

fn lower_first(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
}

fn primitive(p: &Primitive) -> Value {
    use Primitive as P;
    match p {
        P::i8 | P::i16 | P::i32 => json!({"type": "integer", "format": "int32"}),
        P::i64 | P::i128 | P::isize => json!({"type": "integer", "format": "int64"}),
        P::u8 | P::u16 | P::u32 => json!({"type": "integer", "format": "int32", "minimum": 0}),
        P::u64 | P::u128 | P::usize => json!({"type": "integer", "format": "int64", "minimum": 0}),
        P::f16 | P::f32 => json!({"type": "number", "format": "float"}),
        P::f64 | P::f128 => json!({"type": "number", "format": "double"}),
        P::bool => json!({"type": "boolean"}),
        P::char | P::str => json!({"type": "string"}),
    }
}

fn nullable(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

impl SchemaGen {
    /// The schema of `dt`, whose named dependencies were registered in `types`.
    pub fn schema(&mut self, dt: &DataType, types: &Types) -> Value {
        match dt {
            DataType::Primitive(p) => primitive(p),
            DataType::Nullable(inner) => nullable(self.schema(inner, types)),
            DataType::List(list) => {
                let mut s = json!({"type": "array", "items": self.schema(&list.ty, types)});
                if list.unique {
                    s["uniqueItems"] = json!(true);
                }
                if let Some(n) = list.length {
                    s["minItems"] = json!(n);
                    s["maxItems"] = json!(n);
                }
                s
            }
            DataType::Map(map) => json!({"type": "object", "additionalProperties": self.schema(map.value_ty(), types)}),
            DataType::Tuple(t) if t.elements.is_empty() => json!({"type": "null"}),
            DataType::Tuple(t) => {
                let items: Vec<Value> = t.elements.iter().map(|e| self.schema(e, types)).collect();
                json!({"type": "array", "prefixItems": items, "minItems": items.len(), "maxItems": items.len()})
            }
            DataType::Intersection(parts) => {
                json!({"allOf": parts.iter().map(|p| self.schema(p, types)).collect::<Vec<_>>()})
            }
            DataType::Generic(g) => self
                .generics
                .iter()
                .rev()
                .flat_map(|frame| frame.iter())
                .find(|(name, _)| name.as_str() == g.name().as_ref())
                .map(|(_, s)| s.clone())
                .unwrap_or_else(|| json!({})),
            DataType::Struct(s) => self.structure(s, types),
            DataType::Enum(e) => self.enumeration(e, types),
            DataType::Reference(r) => self.reference(r, types),
        }
    }

    fn reference(&mut self, r: &Reference, types: &Types) -> Value {
        let Reference::Named(named) = r else { return json!({}) };
        let Some(ndt) = types.get(named) else { return json!({}) };
        match &named.inner {
            NamedReferenceType::Inline { dt, .. } => self.schema(dt, types),
            NamedReferenceType::Recursive(_) => json!({"$ref": format!("#/components/schemas/{}", ndt.name)}),
            NamedReferenceType::Reference { generics, .. } => {
                let Some(ty) = &ndt.ty else { return json!({}) };
                if !generics.is_empty() {
                    let frame = generics.iter().map(|(g, dt)| (g.name().to_string(), self.schema(dt, types))).collect();
                    self.generics.push(frame);
                    let inlined = self.schema(ty, types);
                    self.generics.pop();
                    return inlined;
                }
                let name = self.component_name(&ndt.name, &ndt.module_path);
                if !self.components.contains_key(&name) {
                    // Placeholder first, so a recursive type refers to itself instead of recursing forever.
                    self.components.insert(name.clone(), json!({}));
                    let mut schema = self.schema(ty, types);
                    if !ndt.docs.trim().is_empty() && schema.is_object() {
                        schema["description"] = json!(ndt.docs.trim());
                    }
                    self.components.insert(name.clone(), schema);
                }
                json!({"$ref": format!("#/components/schemas/{name}")})
            }
        }
    }

    fn component_name(&mut self, name: &str, module: &str) -> String {
        match self.owners.get(name) {
            None => {
                self.owners.insert(name.to_string(), module.to_string());
                name.to_string()
            }
            Some(owner) if owner == module => name.to_string(),
            Some(_) => format!("{}.{name}", module.replace("::", ".")),
        }
    }

    /// Object schema of named fields; `rule` is the container's `rename_all`, `default` its `#[serde(default)]`.
    fn object(
        &mut self,
        fields: &[(std::borrow::Cow<'static, str>, Field)],
        rule: Option<&str>,
        default: bool,
        types: &Types,
    ) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut flattened = Vec::new();
        for (raw, field) in fields {
            let Some(ty) = &field.ty else { continue };
            if flag(&field.attributes, "serde:field:skip_serializing")
                && flag(&field.attributes, "serde:field:skip_deserializing")
            {
                continue;
            }
            let mut schema = self.schema(ty, types);
            if flag(&field.attributes, "serde:field:flatten") {
                flattened.push(schema);
                continue;
            }
            let name = attr(&field.attributes, "serde:field:rename_serialize")
                .map(str::to_string)
                .unwrap_or_else(|| rule.map(|r| rename_field(raw, r)).unwrap_or_else(|| raw.to_string()));
            let has_default = default
                || field.optional
                || flag(&field.attributes, "serde:field:default")
                || attr(&field.attributes, "serde:field:skip_serializing_if").is_some()
                || matches!(ty, DataType::Nullable(_));
            if !has_default {
                required.push(json!(name));
            }
            if !field.docs.trim().is_empty() && schema.is_object() {
                schema["description"] = json!(field.docs.trim());
            }
            properties.insert(name, schema);
        }
        let mut object = json!({"type": "object", "properties": properties});
        if !required.is_empty() {
            object["required"] = Value::Array(required);
        }
        if flattened.is_empty() {
            object
        } else {
            flattened.insert(0, object);
            json!({"allOf": flattened})
        }
    }

    fn structure(&mut self, s: &Struct, types: &Types) -> Value {
        let rule = attr(&s.attributes, "serde:container:rename_all_serialize");
        let default = flag(&s.attributes, "serde:container:default");
        match &s.fields {
            Fields::Unit => json!({"type": "null"}),
            Fields::Unnamed(u) => self.unnamed(&u.fields, types),
            Fields::Named(n) => self.object(&n.fields, rule, default, types),
        }
    }

    fn unnamed(&mut self, fields: &[Field], types: &Types) -> Value {
        let items: Vec<Value> = fields.iter().filter_map(|f| f.ty.as_ref()).map(|t| self.schema(t, types)).collect();
        match items.len() {
            0 => json!({"type": "null"}),
            1 => items.into_iter().next().unwrap_or_default(),
            n => json!({"type": "array", "prefixItems": items, "minItems": n, "maxItems": n}),
        }
    }

    /// A variant's payload, or `None` for a unit variant.
    fn payload(&mut self, v: &Variant, types: &Types) -> Option<Value> {
        let rule = attr(&v.attributes, "serde:variant:rename_all_serialize");
        match &v.fields {
            Fields::Unit => None,
            Fields::Unnamed(u) if u.fields.is_empty() => None,
            Fields::Unnamed(u) => Some(self.unnamed(&u.fields, types)),
            Fields::Named(n) => Some(self.object(&n.fields, rule, false, types)),
        }
    }

    fn enumeration(&mut self, e: &Enum, types: &Types) -> Value {
        let rule = attr(&e.attributes, "serde:container:rename_all_serialize");
        let tag = attr(&e.attributes, "serde:container:tag");
        let content = attr(&e.attributes, "serde:container:content");
        let untagged = flag(&e.attributes, "serde:container:untagged");
        let mut options = Vec::new();
        let mut unit_names = Vec::new();
        // Untagged alternatives can overlap (serde takes the first that fits: an integer is also a number), so they
        // are `anyOf`; tagged ones are told apart by their tag and stay `oneOf`.
        let mut overlapping = false;
        for (raw, variant) in &e.variants {
            if variant.skip || flag(&variant.attributes, "serde:variant:skip_serializing") {
                continue;
            }
            let name = attr(&variant.attributes, "serde:variant:rename_serialize")
                .map(str::to_string)
                .unwrap_or_else(|| rule.map(|r| rename_variant(raw, r)).unwrap_or_else(|| raw.to_string()));
            let payload = self.payload(variant, types);
            let schema = if untagged || flag(&variant.attributes, "serde:variant:untagged") {
                overlapping = true;
                payload.unwrap_or_else(|| json!({"type": "null"}))
            } else if let (Some(tag), Some(content)) = (tag, content) {
                let mut props = Map::new();
                props.insert(tag.to_string(), json!({"const": name}));
                let mut required = vec![json!(tag)];
                if let Some(p) = payload {
                    props.insert(content.to_string(), p);
                    required.push(json!(content));
                }
                json!({"type": "object", "properties": props, "required": required})
            } else if let Some(tag) = tag {
                let tag_object = json!({"type": "object", "properties": {tag: {"const": name}}, "required": [tag]});
                match payload {
                    None => tag_object,
                    Some(mut p) if p.get("type") == Some(&json!("object")) => {
                        p["properties"][tag] = json!({"const": name});
                        let mut required = p.get("required").and_then(Value::as_array).cloned().unwrap_or_default();
                        required.insert(0, json!(tag));
                        p["required"] = Value::Array(required);
                        p
                    }
                    Some(p) => json!({"allOf": [tag_object, p]}),
                }
            } else {
                match payload {
                    None => {
                        unit_names.push(json!(name));
                        continue;
                    }
                    Some(p) => json!({
                        "type": "object", "properties": {name.clone(): p}, "required": [name], "additionalProperties": false
                    }),
                }
            };
            options.push(schema);
        }
        if !unit_names.is_empty() {
            options.push(json!({"type": "string", "enum": unit_names}));
        }
        match options.len() {
            1 => options.pop().unwrap_or_default(),
            _ if overlapping => json!({"anyOf": options}),
            _ => json!({"oneOf": options}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(specta::Type, serde::Serialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Ev {
        StartedUp { job_id: String, attempts: u32 },
        Done,
    }

    #[derive(specta::Type, serde::Serialize)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        #[serde(default)]
        tags: BTreeMap<String, String>,
        limit: Option<u32>,
        events: Vec<Ev>,
    }

    #[test]
    fn serde_shapes_become_json_schema() {
        assert_eq!(rename_variant("AttemptFinished", "snake_case"), "attempt_finished");
        assert_eq!(rename_field("new_name", "camelCase"), "newName");
        let mut types = Types::default();
        let dt = <Outer as specta::Type>::definition(&mut types);
        let mut g = SchemaGen::default();
        let root = g.schema(&dt, &types);
        let outer = if let Some(r) = root.get("$ref").and_then(Value::as_str) {
            g.components[r.trim_start_matches("#/components/schemas/")].clone()
        } else {
            root
        };
        assert_eq!(outer["required"], json!(["name", "events"]), "{outer}");
        assert_eq!(outer["properties"]["limit"]["anyOf"][1]["type"], "null");
        assert_eq!(outer["properties"]["tags"]["type"], "object");
        let ev = &g.components["Ev"];
        let started = &ev["oneOf"][0];
        assert_eq!(started["properties"]["type"]["const"], "started_up", "{ev}");
        assert_eq!(started["required"], json!(["type", "job_id", "attempts"]));
        assert_eq!(ev["oneOf"][1]["properties"]["type"]["const"], "done");
    }

    /// An integer is also a number, so `oneOf` over an untagged enum rejected every JSON value holding an integer
    /// (`config/show`'s `config` answered with a body its own schema refused).
    #[test]
    fn untagged_alternatives_are_any_of_so_an_integer_value_fits() {
        let mut types = Types::default();
        let dt = <serde_json::Value as specta::Type>::definition(&mut types);
        let mut g = SchemaGen::default();
        let root = g.schema(&dt, &types);
        let value = match root.get("$ref").and_then(Value::as_str) {
            Some(r) => g.components[r.trim_start_matches("#/components/schemas/")].clone(),
            None => root,
        };
        let text = value.to_string();
        assert!(value.get("anyOf").is_some(), "{text}");
        assert!(!text.contains("oneOf"), "an untagged alternative is still oneOf: {text}");
    }
}
