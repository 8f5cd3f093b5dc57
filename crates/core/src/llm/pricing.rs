//! Per-1M-token prices by provider and model: the embedded `config/pricing.yaml`, overridden entry by entry by a
//! `pricing.yaml` in the config directory, and the cost of one call's usage. A model without an entry has no cost
//! (`None`); nothing is guessed from similar model names.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::LlmError;
use crate::tracker::TokenCounts;

/// The embedded default table.
pub const EMBEDDED_PRICING: &str = include_str!("../../../../config/pricing.yaml");
/// Name of the user's override file inside the config directory.
pub const PRICING_FILE_NAME: &str = "pricing.yaml";

/// USD per 1M tokens of each type. `cache_read` and `cache_write` default to the `input` price and `reasoning` to
/// the `output` price when a provider does not price them separately.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    #[serde(default)]
    pub cache_read: Option<f64>,
    #[serde(default)]
    pub cache_write: Option<f64>,
    #[serde(default)]
    pub reasoning: Option<f64>,
}

impl Price {
    /// Cost in USD of `usage` (whose token types do not overlap: `input` excludes cached tokens, `output` excludes
    /// reasoning tokens).
    pub fn cost(&self, usage: &TokenCounts) -> f64 {
        let per = |tokens: i64, price: f64| tokens.max(0) as f64 * price / 1_000_000.0;
        per(usage.input, self.input)
            + per(usage.output, self.output)
            + per(usage.cache_read, self.cache_read.unwrap_or(self.input))
            + per(usage.cache_write, self.cache_write.unwrap_or(self.input))
            + per(usage.reasoning, self.reasoning.unwrap_or(self.output))
    }

    fn check(&self) -> Result<(), String> {
        let all = [Some(self.input), Some(self.output), self.cache_read, self.cache_write, self.reasoning];
        match all.into_iter().flatten().find(|p| !p.is_finite() || *p < 0.0) {
            Some(bad) => Err(format!("prices must be finite numbers >= 0, got {bad}")),
            None => Ok(()),
        }
    }
}

/// provider → model id → price; model `"*"` prices every model of that provider (used for local servers).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    pub providers: BTreeMap<String, BTreeMap<String, Price>>,
}

impl PriceTable {
    /// Parse a pricing YAML document; `source_name` labels errors.
    pub fn parse(text: &str, source_name: &str) -> Result<PriceTable, LlmError> {
        let providers: BTreeMap<String, BTreeMap<String, Price>> = serde_yaml_ng::from_str::<Option<_>>(text)
            .map_err(|e| LlmError::Pricing { source_name: source_name.to_string(), message: e.to_string() })?
            .unwrap_or_default();
        for (provider, models) in &providers {
            for (model, price) in models {
                price.check().map_err(|m| LlmError::Pricing {
                    source_name: source_name.to_string(),
                    message: format!("{provider}.{model}: {m}"),
                })?;
            }
        }
        Ok(PriceTable { providers })
    }

    /// The embedded defaults (an empty table if they were ever broken; a unit test keeps them valid).
    pub fn embedded() -> PriceTable {
        PriceTable::parse(EMBEDDED_PRICING, "embedded config/pricing.yaml").unwrap_or_default()
    }

    /// The embedded defaults with `<config_dir>/pricing.yaml` laid over them, model by model, when that file exists.
    pub fn load(config_dir: &Path) -> Result<PriceTable, LlmError> {
        let mut table = PriceTable::embedded();
        let path = config_dir.join(PRICING_FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => table.overlay(PriceTable::parse(&text, &path.display().to_string())?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(LlmError::Pricing { source_name: path.display().to_string(), message: e.to_string() });
            }
        }
        Ok(table)
    }

    /// Add or replace entries from `other`.
    pub fn overlay(&mut self, other: PriceTable) {
        for (provider, models) in other.providers {
            self.providers.entry(provider).or_default().extend(models);
        }
    }

    /// The price of `model` at `provider`: an exact entry, else the entry without a date suffix
    /// (`gpt-4o-2024-08-06` → `gpt-4o`, `claude-sonnet-4-20250514` → `claude-sonnet-4`), else the provider's `*`.
    pub fn price(&self, provider: &str, model: &str) -> Option<Price> {
        let models = self.providers.get(provider)?;
        models
            .get(model)
            .or_else(|| strip_date(model).and_then(|base| models.get(base)))
            .or_else(|| models.get("*"))
            .copied()
    }

    /// Cost of `usage`, or `None` when the model has no price.
    pub fn cost(&self, provider: &str, model: &str, usage: &TokenCounts) -> Option<f64> {
        self.price(provider, model).map(|p| p.cost(usage))
    }
}

/// `name-YYYY-MM-DD` or `name-YYYYMMDD` → `name`.
fn strip_date(model: &str) -> Option<&str> {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if let Some((head, tail)) = model.rsplit_once('-')
        && tail.len() == 8
        && digits(tail)
    {
        return Some(head);
    }
    let parts: Vec<&str> = model.rsplitn(4, '-').collect();
    let lengths_ok = parts.len() == 4 && parts[0].len() == 2 && parts[1].len() == 2 && parts[2].len() == 4;
    if lengths_ok && parts[..3].iter().all(|p| digits(p)) {
        return Some(parts[3]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_and_has_each_hosted_provider() {
        let t = PriceTable::parse(EMBEDDED_PRICING, "embedded").unwrap();
        for p in ["openai", "anthropic", "gemini", "ollama"] {
            assert!(t.providers.get(p).is_some_and(|m| !m.is_empty()), "{p} missing");
        }
    }

    #[test]
    fn lookup_exact_dated_wildcard_and_unknown() {
        let t = PriceTable::parse(
            "openai:\n  gpt-x: {input: 2, output: 8}\nollama:\n  '*': {input: 0, output: 0}\n",
            "test",
        )
        .unwrap();
        assert_eq!(t.price("openai", "gpt-x").map(|p| p.input), Some(2.0));
        assert_eq!(t.price("openai", "gpt-x-2025-01-31").map(|p| p.output), Some(8.0));
        assert_eq!(t.price("openai", "gpt-x-20250131").map(|p| p.output), Some(8.0));
        assert_eq!(t.price("openai", "gpt-x-mini"), None, "no price may be guessed from a prefix");
        assert_eq!(t.price("ollama", "llama3.1:8b").map(|p| p.input), Some(0.0));
        assert_eq!(t.cost("gemini", "anything", &TokenCounts::default()), None);
    }

    #[test]
    fn cost_uses_each_token_type_and_fallbacks() {
        let p = Price { input: 2.0, output: 10.0, cache_read: Some(0.5), cache_write: None, reasoning: None };
        let usage = TokenCounts {
            input: 1_000_000,
            output: 500_000,
            cache_read: 2_000_000,
            cache_write: 100_000,
            reasoning: 300_000,
        };
        let expected = 2.0 + 5.0 + 1.0 + 0.2 + 3.0;
        assert!((p.cost(&usage) - expected).abs() < 1e-9, "{}", p.cost(&usage));
    }

    #[test]
    fn bad_prices_and_unknown_fields_are_rejected() {
        assert!(
            PriceTable::parse("openai:\n  m: {input: -1, output: 1}\n", "t").unwrap_err().to_string().contains("m")
        );
        assert!(PriceTable::parse("openai:\n  m: {input: 1, output: 1, extra: 2}\n", "t").is_err());
    }

    #[test]
    fn user_file_overrides_entries() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(PRICING_FILE_NAME), "openai:\n  gpt-4o: {input: 99, output: 99}\n").unwrap();
        let t = PriceTable::load(dir.path()).unwrap();
        assert_eq!(t.price("openai", "gpt-4o").map(|p| p.input), Some(99.0));
        assert!(t.price("anthropic", "claude-sonnet-4").is_some(), "embedded entries stay");
        let none = tempfile::tempdir().unwrap();
        assert_eq!(PriceTable::load(none.path()).unwrap(), PriceTable::embedded());
    }
}
