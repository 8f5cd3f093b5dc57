//! Small, dependency-free statistics for evaluations: the Wilson score interval of a success rate, the exact
//! McNemar test for paired pass/fail outcomes, pass^k over repeated attempts, percentiles and the mean.
//!
//! Methods (so numbers can be checked by hand):
//! * Wilson 95 %: z = 1.959963984540054 (the 97.5 % normal quantile);
//!   centre = (p + z²/2n) / (1 + z²/n), half width = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²).
//! * McNemar exact: with b and c the discordant counts, p = min(1, 2 · P[X ≤ min(b, c)]) for X ~ Binomial(b + c, ½);
//!   p = 1 when b + c = 0.
//! * pass^k: a task's probability that k attempts drawn without replacement from its n ≥ k attempts all passed,
//!   C(c, k) / C(n, k) with c passes (unbiased for the per-task pass^k); averaged over tasks.
//! * Percentiles: linear interpolation between the closest ranks of the sorted values (rank = p · (n − 1); the
//!   "R-7" / spreadsheet `PERCENTILE.INC` method).
//!
//! pass^k comes in two forms: `pass_all_k` (all of the first k attempts passed) and `pass_hat_k` (the unbiased mean of
//! C(c, k) / C(n, k) above). `nearest_rank` (rank ⌈p·n/100⌉) serves the monitoring summaries. Unit tests use textbook
//! values: Wilson 8/10 = [0.4902, 0.9433]; McNemar b = 1, c = 8 → 20/512 = 0.0391.

pub mod bootstrap;

use serde::{Deserialize, Serialize};

/// The standard normal quantile for a two-sided 95 % interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A confidence interval with its point estimate, all in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// Wilson score interval (95 %) for `successes` out of `trials`; `None` when there are no trials or more
/// successes than trials.
pub fn wilson(successes: u64, trials: u64) -> Option<Interval> {
    if trials == 0 || successes > trials {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z_95 * Z_95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z_95 / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval { estimate: p, low: (centre - half).max(0.0), high: (centre + half).min(1.0) })
}

/// log of n choose k (exact enough for the sizes an evaluation has), via a sum of logs.
fn ln_choose(n: u64, k: u64) -> f64 {
    let k = k.min(n - k);
    (0..k).map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln()).sum()
}

/// n choose k as a float (0 when k > n).
pub fn choose(n: u64, k: u64) -> f64 {
    if k > n { 0.0 } else { ln_choose(n, k).exp() }
}

/// Exact two-sided McNemar test p-value from the discordant counts `b` (only A passed) and `c` (only B passed).
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let m = b.min(c);
    let half_n = (n as f64) * std::f64::consts::LN_2;
    let tail: f64 = (0..=m).map(|i| (ln_choose(n, i) - half_n).exp()).sum();
    (2.0 * tail).min(1.0)
}

/// Per-task outcomes of repeated attempts: `(passes, attempts)`.
pub type TaskAttempts = (u64, u64);

/// Fraction of tasks (with at least `k` attempts) whose first `k` attempts all passed, given each task's attempt
/// outcomes in attempt order. `None` when `k == 0` or no task has `k` attempts.
pub fn pass_all_k(tasks: &[Vec<bool>], k: usize) -> Option<f64> {
    if k == 0 {
        return None;
    }
    let eligible: Vec<&Vec<bool>> = tasks.iter().filter(|t| t.len() >= k).collect();
    if eligible.is_empty() {
        return None;
    }
    let all = eligible.iter().filter(|t| t[..k].iter().all(|p| *p)).count();
    Some(all as f64 / eligible.len() as f64)
}

/// The unbiased pass^k estimator averaged over tasks with at least `k` attempts: mean of C(c, k) / C(n, k).
/// `None` when `k == 0` or no task has `k` attempts.
pub fn pass_hat_k(tasks: &[TaskAttempts], k: u64) -> Option<f64> {
    if k == 0 {
        return None;
    }
    let values: Vec<f64> =
        tasks.iter().filter(|(c, n)| *n >= k && c <= n).map(|(c, n)| choose(*c, k) / choose(*n, k)).collect();
    mean(&values)
}

/// Arithmetic mean; `None` for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The `p`-th percentile (p in 0..=1) of already sorted values by linear interpolation between closest ranks.
pub fn percentile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = p.clamp(0.0, 1.0) * last as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64))
}

/// The exact nearest-rank `pct`-th percentile (0..=100) of values sorted ascending: the ⌈pct·n/100⌉-th smallest
/// (at least the first); `None` for no values. Integer arithmetic, so p95 of 20 values is exactly the 19th.
pub fn nearest_rank<T: Copy>(sorted: &[T], pct: u32) -> Option<T> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (pct.min(100) as usize * n).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

/// The `p`-th percentile of unsorted values (NaNs sort last).
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    percentile_sorted(&sorted, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() <= eps
    }

    #[test]
    fn wilson_matches_textbook_values() {
        // 8/10: Newcombe (1998) / any textbook table gives 0.490 .. 0.943.
        let w = wilson(8, 10).unwrap();
        assert!(close(w.estimate, 0.8, 1e-12));
        assert!(close(w.low, 0.4902, 1e-4), "{w:?}");
        assert!(close(w.high, 0.9433, 1e-4), "{w:?}");
        // 0/10: the lower end is 0, the upper end is z²/(n+z²) = 3.8415/13.8415 = 0.2775.
        let w = wilson(0, 10).unwrap();
        assert!(close(w.low, 0.0, 1e-12) && close(w.high, 0.2775, 1e-4), "{w:?}");
        let w = wilson(10, 10).unwrap();
        assert!(close(w.high, 1.0, 1e-12) && close(w.low, 0.7225, 1e-4), "{w:?}");
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(3, 2), None);
    }

    #[test]
    fn mcnemar_exact_by_hand() {
        // b=1, c=8: n=9, P[X<=1] = (1 + 9) / 512, two-sided 20/512.
        assert!(close(mcnemar_exact(1, 8), 20.0 / 512.0, 1e-12));
        assert!(close(mcnemar_exact(8, 1), 20.0 / 512.0, 1e-12));
        // b=c: the two-sided p-value is capped at 1.
        assert_eq!(mcnemar_exact(3, 3), 1.0);
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        // b=0, c=5: 2 / 32.
        assert!(close(mcnemar_exact(0, 5), 0.0625, 1e-12));
    }

    #[test]
    fn pass_k_by_hand() {
        let tasks = vec![vec![true, true, true], vec![true, false, true], vec![false, false, false]];
        assert_eq!(pass_all_k(&tasks, 1), Some(2.0 / 3.0));
        assert_eq!(pass_all_k(&tasks, 3), Some(1.0 / 3.0));
        assert_eq!(pass_all_k(&tasks, 4), None);
        // C(3,2)/C(3,2)=1, C(2,2)/C(3,2)=1/3, 0 → mean 4/9.
        let counts = vec![(3, 3), (2, 3), (0, 3)];
        assert!(close(pass_hat_k(&counts, 2).unwrap(), 4.0 / 9.0, 1e-12));
        // k=1 is the plain success rate: (3+2+0)/9.
        assert!(close(pass_hat_k(&counts, 1).unwrap(), 5.0 / 9.0, 1e-12));
        assert_eq!(pass_hat_k(&counts, 0), None);
        assert!(close(choose(10, 3), 120.0, 1e-9));
    }

    #[test]
    fn percentiles_and_mean() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[4.0, 1.0, 3.0, 2.0], 0.5), Some(2.5));
        // rank 0.95 * 4 = 3.8 → 40 + 0.8 * 10
        assert!(close(percentile(&[50.0, 10.0, 30.0, 20.0, 40.0], 0.95).unwrap(), 48.0, 1e-9));
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
    }
}
