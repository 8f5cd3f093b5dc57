//! The paired bootstrap: a confidence interval for the mean of per-unit differences (per task: B's pass rate minus
//! A's) by resampling units with replacement. Deterministic, so anyone re-running it on the same data gets the same
//! interval: the generator is SplitMix64 started from a fixed seed, `RESAMPLES` resamples, and the interval is the
//! 2.5th and 97.5th percentile (`percentile_sorted`, linear interpolation) of the resampled means.

use serde::{Deserialize, Serialize};

use super::{mean, percentile_sorted};

/// Resamples drawn for an interval.
pub const RESAMPLES: u32 = 10_000;

/// The generator's seed (a fixed value, so the interval can be recomputed exactly).
pub const SEED: u64 = 20_261_206;

/// A mean difference and its 95 % interval, in the units of the differences (for pass rates: −1 to 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Difference {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a 64-bit state advanced by a Weyl increment and mixed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index below `n` (multiply-shift; the bias is below 2⁻³² for any n an evaluation has).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

/// The mean of `diffs` with its 95 % paired-bootstrap interval (`resamples` resamples from `seed`); `None` for no
/// differences.
pub fn paired_bootstrap(diffs: &[f64], resamples: u32, seed: u64) -> Option<Difference> {
    let estimate = mean(diffs)?;
    let n = diffs.len();
    let mut rng = SplitMix64(seed);
    let mut means: Vec<f64> =
        (0..resamples.max(1)).map(|_| (0..n).map(|_| diffs[rng.below(n)]).sum::<f64>() / n as f64).collect();
    means.sort_by(f64::total_cmp);
    Some(Difference { estimate, low: percentile_sorted(&means, 0.025)?, high: percentile_sorted(&means, 0.975)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact bootstrap distribution of the mean of n values in {−1, 0, 1} (counts k₋, k₀, k₊): resampled counts
    /// are multinomial, so every possible mean and its probability can be listed. Returns the smallest mean whose
    /// cumulative probability reaches `q`.
    fn exact_quantile(k: [u64; 3], q: f64) -> f64 {
        let n = k.iter().sum::<u64>();
        let p: Vec<f64> = k.iter().map(|&c| c as f64 / n as f64).collect();
        let ln_fact = |m: u64| (1..=m).map(|i| (i as f64).ln()).sum::<f64>();
        let mut outcomes: Vec<(f64, f64)> = Vec::new();
        for neg in 0..=n {
            for pos in 0..=(n - neg) {
                let zero = n - neg - pos;
                let ln_pr = ln_fact(n) - ln_fact(neg) - ln_fact(zero) - ln_fact(pos)
                    + [(neg, p[0]), (zero, p[1]), (pos, p[2])]
                        .iter()
                        .map(|&(c, pr)| if c == 0 { 0.0 } else { c as f64 * pr.ln() })
                        .sum::<f64>();
                outcomes.push(((pos as f64 - neg as f64) / n as f64, ln_pr.exp()));
            }
        }
        outcomes.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut cumulative = 0.0;
        for (value, pr) in outcomes {
            cumulative += pr;
            if cumulative >= q {
                return value;
            }
        }
        1.0
    }

    #[test]
    fn the_interval_matches_the_exact_bootstrap_distribution() {
        // 20 tasks: B lost 3, tied 10, won 7 → mean difference 0.2.
        let diffs: Vec<f64> =
            [(-1.0, 3), (0.0, 10), (1.0, 7)].iter().flat_map(|&(v, c)| std::iter::repeat_n(v, c)).collect();
        let d = paired_bootstrap(&diffs, RESAMPLES, SEED).unwrap();
        assert!((d.estimate - 0.2).abs() < 1e-12);
        let (low, high) = (exact_quantile([3, 10, 7], 0.025), exact_quantile([3, 10, 7], 0.975));
        // The means lie on a lattice of 1/20; 10,000 resamples land within one step of the exact quantiles.
        assert!((d.low - low).abs() <= 0.05 + 1e-9, "{d:?} vs exact [{low}, {high}]");
        assert!((d.high - high).abs() <= 0.05 + 1e-9, "{d:?} vs exact [{low}, {high}]");
        assert!(d.low < 0.2 && d.high > 0.2);
        // Deterministic: the same data give the same interval.
        assert_eq!(paired_bootstrap(&diffs, RESAMPLES, SEED), Some(d));
    }

    #[test]
    fn constant_differences_have_no_spread_and_no_data_has_no_interval() {
        let d = paired_bootstrap(&[0.5; 8], 1000, 1).unwrap();
        assert_eq!((d.estimate, d.low, d.high), (0.5, 0.5, 0.5));
        assert_eq!(paired_bootstrap(&[], 1000, 1), None);
    }
}
