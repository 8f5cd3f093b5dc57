//! Dropdowns for the baseline planner: reading the option list a `get_dropdown_options` action returned, and
//! picking the (dropdown, option) pair whose label and option text best match an instruction ("sort by price from
//! low to high" → the "Sort by" dropdown's "Price: low to high").

use std::collections::BTreeSet;

use super::text::{tokens, words};

/// Option texts of one dropdown, with whether each is the selected one.
pub type Options = Vec<(String, bool)>;

/// A dropdown: element index, label, options.
pub type Dropdown = (u32, String, Options);

/// The option texts of a `get_dropdown_options` output (`0: Featured (selected)` lines), with whether each is the
/// selected one. Disabled options are left out.
pub fn parse_options(output: &str) -> Options {
    let mut out = Vec::new();
    for line in output.lines() {
        let Some((num, rest)) = line.split_once(": ") else { continue };
        if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if rest.ends_with(" (disabled)") {
            continue;
        }
        let selected = rest.ends_with(" (selected)");
        out.push((rest.trim_end_matches(" (selected)").to_string(), selected));
    }
    out
}

/// The score of choosing `option` in a dropdown labelled `label` for the target words: the fraction of target words
/// found in label + option, plus up to 0.5 for the longest run of the option's words that the instruction says in
/// the same order (so "low to high" beats "high to low"; a run counts from two words, or when it is the whole option).
pub fn option_score(target: &[String], instruction: &str, label: &str, option: &str) -> f64 {
    let own = tokens(option);
    if target.is_empty() || own.is_empty() {
        return 0.0;
    }
    let have: BTreeSet<String> = tokens(&format!("{label} {option}")).into_iter().collect();
    let hits = target.iter().filter(|t| have.contains(*t)).count();
    let mut s = hits as f64 / target.len() as f64;
    let option_words = words(option);
    let said = format!(" {} ", words(instruction).join(" "));
    let mut run = 0;
    for start in 0..option_words.len() {
        for end in start + 1..=option_words.len() {
            if end - start > run && said.contains(&format!(" {} ", option_words[start..end].join(" "))) {
                run = end - start;
            }
        }
    }
    if run >= 2 || (run == option_words.len() && run > 0) {
        s += 0.5 * run as f64 / option_words.len() as f64;
    }
    s
}

/// The best (dropdown index, option text, score) among `dropdowns` (index, label, options), never an option that is
/// already selected. Ties: the earlier dropdown and option.
pub fn best_option(target: &[String], instruction: &str, dropdowns: &[Dropdown]) -> Option<(u32, String, f64)> {
    let mut best: Option<(u32, String, f64)> = None;
    for (index, label, options) in dropdowns {
        for (text, selected) in options {
            if *selected {
                continue;
            }
            let s = option_score(target, instruction, label, text);
            if s > 0.0 && best.as_ref().is_none_or(|(_, _, b)| s > *b) {
                best = Some((*index, text.clone(), s));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_from_the_action_output() {
        let out = "0: Featured (selected)\n1: Price: low to high\n2: Sold out (disabled)\nUse select_option with the \
                   exact option text.";
        assert_eq!(parse_options(out), [("Featured".to_string(), true), ("Price: low to high".to_string(), false)]);
    }

    #[test]
    fn the_label_and_option_pair_matching_the_instruction_wins() {
        let sort = vec![
            ("Featured".to_string(), true),
            ("Price: high to low".to_string(), false),
            ("Price: low to high".to_string(), false),
            ("Name".to_string(), false),
        ];
        let dept = vec![("All departments".to_string(), true), ("Marketing".to_string(), false)];
        let dropdowns = vec![(12, "Department".to_string(), dept), (14, "Sort by".to_string(), sort)];
        let task = "Sort all products by price from low to high.";
        let best = best_option(&tokens(task), task, &dropdowns).unwrap();
        assert_eq!((best.0, best.1.as_str()), (14, "Price: low to high"));
        let task = "Show only the Marketing department.";
        let best = best_option(&tokens(task), task, &dropdowns).unwrap();
        assert_eq!((best.0, best.1.as_str()), (12, "Marketing"));
        assert!(best_option(&tokens("Open the cart"), "Open the cart", &dropdowns).is_none());
    }
}
