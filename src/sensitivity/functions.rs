//! Test functions with known Sobol indices, for checking the estimators
//! (`dyadsim sensitivity --function ishigami|gfunction`).

use std::f64::consts::PI;

/// Ishigami's `a`.
pub const ISHIGAMI_A: f64 = 7.0;
/// Ishigami's `b`.
pub const ISHIGAMI_B: f64 = 0.1;
/// The `a` coefficients of the Sobol G function used here: two important inputs, two of
/// middling importance, four that hardly matter.
pub const G_A: [f64; 8] = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0];

/// A test function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestFunction {
    /// Ishigami & Homma (1990): sin x₁ + a sin² x₂ + b x₃⁴ sin x₁, xᵢ ~ U(−π, π).
    Ishigami,
    /// Sobol's G function: Π (|4xᵢ − 2| + aᵢ) / (1 + aᵢ), xᵢ ~ U(0, 1), a = [`G_A`].
    GFunction,
}

impl TestFunction {
    /// The accepted names.
    pub const NAMES: [&str; 2] = ["ishigami", "gfunction"];

    /// The function called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "ishigami" => Some(TestFunction::Ishigami),
            "gfunction" => Some(TestFunction::GFunction),
            _ => None,
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            TestFunction::Ishigami => "ishigami",
            TestFunction::GFunction => "gfunction",
        }
    }

    /// Number of inputs.
    pub fn dims(self) -> usize {
        match self {
            TestFunction::Ishigami => 3,
            TestFunction::GFunction => G_A.len(),
        }
    }

    /// The range of every input.
    pub fn range(self) -> (f64, f64) {
        match self {
            TestFunction::Ishigami => (-PI, PI),
            TestFunction::GFunction => (0.0, 1.0),
        }
    }

    /// The function at `x` (in the inputs' own units).
    pub fn eval(self, x: &[f64]) -> f64 {
        match self {
            TestFunction::Ishigami => {
                x[0].sin()
                    + ISHIGAMI_A * x[1].sin().powi(2)
                    + ISHIGAMI_B * x[2].powi(4) * x[0].sin()
            }
            TestFunction::GFunction => G_A
                .iter()
                .zip(x)
                .map(|(a, xi)| ((4.0 * xi - 2.0).abs() + a) / (1.0 + a))
                .product(),
        }
    }

    /// The analytic first-order and total-order indices, per input.
    pub fn analytic(self) -> (Vec<f64>, Vec<f64>) {
        match self {
            TestFunction::Ishigami => {
                let (a, b) = (ISHIGAMI_A, ISHIGAMI_B);
                let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
                let v2 = a * a / 8.0;
                let v13 = 8.0 * b * b * PI.powi(8) / 225.0;
                let v = v1 + v2 + v13;
                (
                    vec![v1 / v, v2 / v, 0.0],
                    vec![(v1 + v13) / v, v2 / v, v13 / v],
                )
            }
            TestFunction::GFunction => {
                let vi: Vec<f64> = G_A
                    .iter()
                    .map(|a| 1.0 / (3.0 * (1.0 + a).powi(2)))
                    .collect();
                let v = vi.iter().map(|x| 1.0 + x).product::<f64>() - 1.0;
                let s1 = vi.iter().map(|x| x / v).collect();
                let st = (0..vi.len())
                    .map(|i| {
                        vi[i]
                            * (0..vi.len())
                                .filter(|&j| j != i)
                                .map(|j| 1.0 + vi[j])
                                .product::<f64>()
                            / v
                    })
                    .collect();
                (s1, st)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ishigami_indices_are_the_published_ones() {
        let (s1, st) = TestFunction::Ishigami.analytic();
        for (got, want) in s1.iter().zip([0.3139, 0.4424, 0.0]) {
            assert!((got - want).abs() < 1e-4, "{got} vs {want}");
        }
        for (got, want) in st.iter().zip([0.5576, 0.4424, 0.2437]) {
            assert!((got - want).abs() < 1e-4, "{got} vs {want}");
        }
    }

    #[test]
    fn g_function_indices_add_up() {
        let (s1, st) = TestFunction::GFunction.analytic();
        let sum: f64 = s1.iter().sum();
        assert!(sum < 1.0 && sum > 0.8, "{sum}");
        assert!(s1.iter().zip(&st).all(|(a, b)| b >= a));
        assert!(s1[0] > s1[1] && s1[1] > s1[2] && s1[4] < 1e-3);
        assert_eq!(TestFunction::GFunction.eval(&[0.5; 8]), 0.0);
    }
}
