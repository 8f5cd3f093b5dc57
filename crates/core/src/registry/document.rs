//! Export and import of one version as a self-describing YAML or JSON document
//! (`format: browser-ai-mlops/model-version@1`). Importing creates a new version whose configuration equals the
//! exported one. Errors name the source, the line (and column) and the field; unknown fields are errors.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ModelConfig, ModelVersion, NewVersion, Provider, Registry, RegistryError};

/// The value of the `format` field this program writes and reads.
pub const FORMAT_TAG: &str = "browser-ai-mlops/model-version@1";

/// The export document. `parent` and `source_version` are informational: an import does not link to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct VersionDocument {
    pub format: String,
    /// Model name the version belongs to (an import may override it).
    #[serde(default)]
    pub model: Option<String>,
    pub provider: Provider,
    pub model_id: String,
    #[serde(default)]
    pub base_url: Option<String>,
    pub temperature: f64,
    #[serde(default)]
    pub max_tokens: Option<i64>,
    #[serde(default)]
    pub top_p: Option<f64>,
    #[serde(default)]
    pub system_prompt: String,
    #[serde(default)]
    pub extra_params: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub changelog: String,
    /// `NAME:N` of the exported version's parent, or null.
    #[serde(default)]
    pub parent: Option<String>,
    /// The exported version's number.
    #[serde(default)]
    pub source_version: Option<i64>,
}

/// Serialization of an export document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum DocFormat {
    Yaml,
    Json,
}

impl DocFormat {
    pub fn parse(s: &str) -> Result<DocFormat, RegistryError> {
        match s.to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Ok(DocFormat::Yaml),
            "json" => Ok(DocFormat::Json),
            _ => Err(RegistryError::InvalidField {
                field: "format".into(),
                expected: "yaml or json".into(),
                given: format!("{s:?}"),
            }),
        }
    }

    /// The format a file name's extension implies (`.yaml`, `.yml`, `.json`), if any.
    pub fn from_file_name(name: &str) -> Option<DocFormat> {
        let ext = std::path::Path::new(name).extension()?.to_str()?;
        DocFormat::parse(ext).ok()
    }

    /// JSON when the text starts with `{`, otherwise YAML.
    pub fn sniff(text: &str) -> DocFormat {
        if text.trim_start().starts_with('{') { DocFormat::Json } else { DocFormat::Yaml }
    }
}

impl VersionDocument {
    pub fn of(v: &ModelVersion) -> VersionDocument {
        let c = &v.config;
        VersionDocument {
            format: FORMAT_TAG.to_string(),
            model: Some(v.model_name.clone()),
            provider: c.provider,
            model_id: c.model_id.clone(),
            // An export is an output: credentials in the URL are masked (set them again after importing).
            base_url: c.base_url.as_deref().map(crate::util::mask_url),
            temperature: c.temperature,
            max_tokens: c.max_tokens,
            top_p: c.top_p,
            system_prompt: c.system_prompt.clone(),
            extra_params: c.extra_params.clone(),
            description: v.description.clone(),
            changelog: v.changelog.clone(),
            parent: v.parent_reference.clone(),
            source_version: Some(v.version),
        }
    }

    pub fn render(&self, format: DocFormat) -> Result<String, RegistryError> {
        let text = match format {
            DocFormat::Yaml => serde_yaml_ng::to_string(self).map_err(|e| e.to_string()),
            DocFormat::Json => serde_json::to_string_pretty(self).map(|s| s + "\n").map_err(|e| e.to_string()),
        };
        text.map_err(|e| RegistryError::Usage(format!("cannot render the export document: {e}")))
    }

    /// Parse and check a document; `source` names it in errors (a file name or `-`).
    pub fn parse(text: &str, source: &str, format: DocFormat) -> Result<VersionDocument, RegistryError> {
        let doc_error = |line: Option<usize>, column: Option<usize>, message: String| {
            let (field, message) = field_of(&message, line.and_then(|l| text.lines().nth(l.saturating_sub(1))));
            RegistryError::Document { source_name: source.to_string(), line, column, field, message }
        };
        let doc: VersionDocument = match format {
            DocFormat::Yaml => serde_yaml_ng::from_str(text).map_err(|e| {
                let loc = e.location();
                doc_error(loc.as_ref().map(|l| l.line()), loc.as_ref().map(|l| l.column()), e.to_string())
            })?,
            DocFormat::Json => serde_json::from_str(text)
                .map_err(|e| doc_error(Some(e.line()).filter(|l| *l > 0), Some(e.column()), e.to_string()))?,
        };
        let at_field = |field: &str, message: String| RegistryError::Document {
            source_name: source.to_string(),
            line: line_of_key(text, field),
            column: None,
            field: Some(field.to_string()),
            message,
        };
        if doc.format != FORMAT_TAG {
            return Err(at_field("format", format!("expected {FORMAT_TAG:?}, got {:?}", doc.format)));
        }
        doc.config().validated().map_err(|e| match e {
            RegistryError::InvalidField { field, expected, given } => {
                at_field(&field, format!("expected {expected}, got {given}"))
            }
            other => other,
        })?;
        Ok(doc)
    }

    pub fn config(&self) -> ModelConfig {
        ModelConfig {
            provider: self.provider,
            model_id: self.model_id.clone(),
            base_url: self.base_url.clone(),
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            top_p: self.top_p,
            system_prompt: self.system_prompt.clone(),
            extra_params: self.extra_params.clone(),
        }
    }
}

const DOC_FIELDS: [&str; 14] = [
    "format",
    "model",
    "provider",
    "model_id",
    "base_url",
    "temperature",
    "max_tokens",
    "top_p",
    "system_prompt",
    "extra_params",
    "description",
    "changelog",
    "parent",
    "source_version",
];

/// Split a serde message into (field, message): the field from "unknown field `x`" / "missing field `x`", a
/// `x: ` path prefix (serde_yaml_ng), or the key written on the error's line; the "at line L column C" suffix is
/// dropped (the location is reported separately).
fn field_of(message: &str, line_text: Option<&str>) -> (Option<String>, String) {
    let mut msg = match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    };
    if let Some((prefix, rest)) = msg.split_once(": ")
        && DOC_FIELDS.contains(&prefix.split('.').next().unwrap_or(prefix))
    {
        let (field, rest) = (prefix.to_string(), rest.to_string());
        return (Some(field), rest);
    }
    for marker in ["unknown field `", "missing field `"] {
        if let Some(start) = msg.find(marker) {
            let name = msg[start + marker.len()..].split('`').next().unwrap_or("").to_string();
            return (Some(name), msg);
        }
    }
    let key = line_text.map(|l| l.trim_start().trim_start_matches('"')).and_then(|l| l.split([':', '"']).next());
    let field = key.map(str::trim).filter(|k| DOC_FIELDS.contains(k)).map(str::to_string);
    if msg.is_empty() {
        msg = "invalid document".into();
    }
    (field, msg)
}

/// The 1-based line where a top-level key is written (YAML `key:` at column 1, JSON `"key":`).
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let yaml = format!("{key}:");
    let json = format!("\"{key}\"");
    text.lines().position(|l| l.starts_with(&yaml) || l.trim_start().starts_with(&json)).map(|i| i + 1)
}

impl Registry {
    /// The export document of a version and its text in `format`.
    pub async fn export(&self, reference: &str, format: DocFormat) -> Result<(VersionDocument, String), RegistryError> {
        let v = self.version(reference).await?;
        let doc = VersionDocument::of(&v);
        let text = doc.render(format)?;
        Ok((doc, text))
    }

    /// Create a new version from a document's text (validated fully first). The model is `model` if given, else
    /// the document's; it is created if missing. The format is `format`, else the source's extension, else sniffed.
    pub async fn import(
        &self,
        text: &str,
        source: &str,
        format: Option<DocFormat>,
        model: Option<String>,
    ) -> Result<ModelVersion, RegistryError> {
        let format = format.or_else(|| DocFormat::from_file_name(source)).unwrap_or_else(|| DocFormat::sniff(text));
        let doc = VersionDocument::parse(text, source, format)?;
        let model_name = model.or_else(|| doc.model.clone()).ok_or_else(|| RegistryError::Document {
            source_name: source.to_string(),
            line: None,
            column: None,
            field: Some("model".into()),
            message: "no model name: add `model: NAME` to the document or give the name with the request".into(),
        })?;
        self.register(NewVersion {
            model_name,
            config: doc.config(),
            description: doc.description.clone(),
            changelog: doc.changelog.clone(),
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "format: browser-ai-mlops/model-version@1\nmodel: agent\nprovider: openai\n\
                        model_id: gpt-4o-mini\ntemperature: 0.3\n";

    #[test]
    fn a_minimal_document_parses_with_defaults() {
        let d = VersionDocument::parse(YAML, "v.yaml", DocFormat::Yaml).unwrap();
        assert_eq!(d.model.as_deref(), Some("agent"));
        assert_eq!(d.temperature, 0.3);
        assert!(d.extra_params.is_empty() && d.system_prompt.is_empty());
    }

    #[test]
    fn unknown_fields_and_bad_types_name_file_line_and_field() {
        let text = format!("{YAML}colour: blue\n");
        let e = VersionDocument::parse(&text, "v.yaml", DocFormat::Yaml).unwrap_err().to_string();
        assert!(e.starts_with("v.yaml:6:") && e.contains("colour"), "{e}");
        let text = YAML.replace("temperature: 0.3", "temperature: warm");
        let e = VersionDocument::parse(&text, "v.yaml", DocFormat::Yaml).unwrap_err().to_string();
        assert!(e.starts_with("v.yaml:5:") && e.contains("field temperature"), "{e}");
        let json = "{\n  \"format\": \"browser-ai-mlops/model-version@1\",\n  \"provider\": \"openai\",\n  \
                    \"model_id\": \"m\",\n  \"temperature\": \"hot\"\n}\n";
        let e = VersionDocument::parse(json, "v.json", DocFormat::Json).unwrap_err().to_string();
        assert!(e.starts_with("v.json:5:") && e.contains("field temperature"), "{e}");
    }

    #[test]
    fn out_of_range_values_point_at_their_line() {
        let text = YAML.replace("temperature: 0.3", "temperature: 3.5");
        let e = VersionDocument::parse(&text, "v.yaml", DocFormat::Yaml).unwrap_err().to_string();
        assert!(e.starts_with("v.yaml:5: field temperature: expected a number from 0 to 2"), "{e}");
        let text = YAML.replace("@1", "@9");
        let e = VersionDocument::parse(&text, "v.yaml", DocFormat::Yaml).unwrap_err().to_string();
        assert!(e.starts_with("v.yaml:1: field format"), "{e}");
    }

    #[test]
    fn format_comes_from_flag_extension_or_content() {
        assert_eq!(DocFormat::from_file_name("x/v.YML"), Some(DocFormat::Yaml));
        assert_eq!(DocFormat::from_file_name("v.json"), Some(DocFormat::Json));
        assert_eq!(DocFormat::from_file_name("v.txt"), None);
        assert_eq!(DocFormat::sniff("  {\"a\": 1}"), DocFormat::Json);
        assert!(DocFormat::parse("toml").is_err());
    }
}
