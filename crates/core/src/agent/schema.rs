//! The JSON Schema of the LLM planner's answer, built from the action table (`prompt::ACTIONS`), for providers that
//! can hold a model to a schema: OpenAI's strict `json_schema` response format and Anthropic's forced tool call. In
//! strict mode every property is required and no other is allowed; an optional argument (`scroll`'s `amount`) may be
//! `null`.

use serde_json::{Value, json};

use super::prompt::ACTIONS;

/// The name of the answer schema (OpenAI) and of the answer tool (Anthropic).
pub use crate::llm::types::SCHEMA_NAME as ANSWER_NAME;

/// The JSON type of an action argument, from the argument's example value in the action table.
fn arg_type(example: &Value) -> Value {
    match example {
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(_) => json!({"type": "integer"}),
        _ => json!({"type": "string"}),
    }
}

/// One action's schema: an object with the action's name as its only key.
fn action_schema(name: &str, args_example: &str) -> Value {
    let example: Value = serde_json::from_str(args_example).unwrap_or_else(|_| json!({}));
    let args = example.as_object().cloned().unwrap_or_default();
    let mut props = serde_json::Map::new();
    for (key, value) in &args {
        let mut t = arg_type(value);
        // `scroll`'s amount is optional: strict schemas express that as a nullable required field.
        if name == "scroll" && key == "amount" {
            t = json!({"type": ["integer", "null"]});
        }
        props.insert(key.clone(), t);
    }
    let required: Vec<&String> = args.keys().collect();
    json!({
        "type": "object",
        "properties": {name: {"type": "object", "properties": props, "required": required, "additionalProperties": false}},
        "required": [name],
        "additionalProperties": false,
    })
}

/// The schema of a whole answer: the three text fields and the list of actions.
pub fn answer_schema() -> Value {
    let actions: Vec<Value> = ACTIONS.iter().map(|(name, args, _)| action_schema(name, args)).collect();
    json!({
        "type": "object",
        "properties": {
            "evaluation_previous_goal": {"type": "string"},
            "memory": {"type": "string"},
            "next_goal": {"type": "string"},
            "actions": {"type": "array", "items": {"anyOf": actions}},
        },
        "required": ["evaluation_previous_goal", "memory", "next_goal", "actions"],
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_in_the_schema_with_typed_required_arguments() {
        let s = answer_schema();
        let items = s["properties"]["actions"]["items"]["anyOf"].as_array().unwrap();
        assert_eq!(items.len(), ACTIONS.len());
        let click = items.iter().find(|i| i["properties"].get("click").is_some()).unwrap();
        assert_eq!(click["properties"]["click"]["properties"]["index"], json!({"type": "integer"}));
        assert_eq!(click["properties"]["click"]["required"], json!(["index"]));
        let done = items.iter().find(|i| i["properties"].get("done").is_some()).unwrap();
        assert_eq!(done["properties"]["done"]["properties"]["success"], json!({"type": "boolean"}));
        let scroll = items.iter().find(|i| i["properties"].get("scroll").is_some()).unwrap();
        assert_eq!(scroll["properties"]["scroll"]["properties"]["amount"]["type"], json!(["integer", "null"]));
        // Strict mode: no object may allow other keys.
        fn closed(v: &Value) -> bool {
            match v {
                Value::Object(m) => {
                    (m.get("type") != Some(&json!("object")) || m.get("additionalProperties") == Some(&json!(false)))
                        && m.values().all(closed)
                }
                Value::Array(a) => a.iter().all(closed),
                _ => true,
            }
        }
        assert!(closed(&s));
    }
}
