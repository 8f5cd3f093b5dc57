//! The demo's training workload: fitting y = w·x + b by gradient descent on a fixed dataset, one run per learning
//! rate. It is a real computation (not made-up numbers): every logged loss can be recomputed from the same inputs.

/// The demo dataset: 100 points of y = 3x − 2 with a small deterministic wobble.
pub fn dataset() -> Vec<(f64, f64)> {
    (0..100)
        .map(|i| {
            let x = i as f64 / 50.0;
            (x, 3.0 * x - 2.0 + 0.1 * (7.0 * i as f64).sin())
        })
        .collect()
}

/// Mean squared error of the line (w, b) on `data`.
pub fn mse(data: &[(f64, f64)], w: f64, b: f64) -> f64 {
    data.iter().map(|(x, y)| (w * x + b - y).powi(2)).sum::<f64>() / data.len() as f64
}

/// One full-batch gradient step on the MSE; returns the new (w, b).
pub fn step(data: &[(f64, f64)], w: f64, b: f64, lr: f64) -> (f64, f64) {
    let n = data.len() as f64;
    let (gw, gb) = data.iter().fold((0.0, 0.0), |(gw, gb), (x, y)| {
        let err = w * x + b - y;
        (gw + 2.0 * err * x / n, gb + 2.0 * err / n)
    });
    (w - lr * gw, b - lr * gb)
}

/// The loss after each of `steps` steps from (0, 0); stops early (returning what it has) once the loss is no longer
/// finite or exceeds `limit`, which is how a diverging learning rate shows.
pub fn train(lr: f64, steps: usize, limit: f64) -> Vec<f64> {
    let data = dataset();
    let (mut w, mut b) = (0.0, 0.0);
    let mut losses = Vec::with_capacity(steps);
    for _ in 0..steps {
        (w, b) = step(&data, w, b, lr);
        let loss = mse(&data, w, b);
        if !loss.is_finite() || loss > limit {
            break;
        }
        losses.push(loss);
    }
    losses
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_learning_rate_converges_near_the_true_line() {
        let losses = train(0.1, 2_000, 1e6);
        assert_eq!(losses.len(), 2_000);
        // The wobble has amplitude 0.1, so the best achievable MSE is about 0.1²/2 = 0.005.
        assert!(*losses.last().unwrap() < 0.006, "{:?}", losses.last());
        assert!(losses.windows(2).all(|w| w[1] <= w[0] + 1e-12), "loss must not increase at lr 0.1");
    }

    #[test]
    fn a_large_learning_rate_diverges_and_stops_early() {
        let losses = train(1.5, 2_000, 1e6);
        assert!(losses.len() < 2_000, "expected divergence, got {} steps", losses.len());
    }
}
