//! Forecasts on Hyndman's car parts against statsforecast's published scores, and
//! properties of every model on random series.

use crate::data::dataset;
use linli_analytics::forecast::{self, Choice, Model};
use proptest::prelude::*;

#[test]
fn car_parts_adida_matches_statsforecast_and_auto_beats_it() {
    let Some(bytes) = dataset("carparts", "carparts.csv") else {
        return;
    };
    let series = forecast::parse_wide(&bytes).unwrap();
    assert_eq!(series.len(), 2_674);
    assert_eq!(series.iter().filter(|s| s.is_complete()).count(), 2_509);
    let score = |choice| forecast::evaluate(&series, choice, 12, 12, &mut |_, _| {}).unwrap();

    // statsforecast 2.1 ADIDA on the same split: MASE 1.1183, MAE 0.5898.
    let adida = score(Choice::One(Model::Adida));
    assert_eq!(adida.series, 2_509);
    assert!((adida.mase - 1.1183).abs() < 5e-4, "ADIDA MASE {}", adida.mase);
    assert!((adida.mae - 0.5898).abs() < 5e-4, "ADIDA MAE {}", adida.mae);

    // The bar for auto: at most 1.10 (statsforecast's best model scores 1.118).
    let auto = score(Choice::Auto);
    assert!(auto.mase <= 1.10, "auto MASE {}", auto.mase);
    assert_eq!(auto.models.values().sum::<usize>(), 2_509);

    // statsforecast 2.1 AutoETS (season 12) on the same split: MASE 1.2768 measured here
    // (bench/peers/forecast.py), 1.277 as the issue quotes it. Within 1%.
    let ets = score(Choice::One(Model::Ets));
    assert!((ets.mase - 1.2768).abs() / 1.2768 <= 0.01, "ETS MASE {}", ets.mase);
}

proptest! {
    #[test]
    fn every_model_gives_finite_forecasts_with_ordered_intervals(
        y in prop::collection::vec(prop_oneof![3 => Just(0.0), 2 => 0.0_f64..50.0], 1..40),
        horizon in 1_usize..15,
        season in 1_usize..13,
    ) {
        for m in Model::ALL {
            let steps = forecast::forecast_one(&y, m, horizon, season);
            prop_assert_eq!(steps.len(), horizon);
            for s in &steps {
                prop_assert!(s.forecast.is_finite() && s.lo80.is_finite() && s.hi80.is_finite(), "{}: {:?}", m.name(), s);
                prop_assert!(s.lo80 <= s.forecast && s.forecast <= s.hi80, "{}: {:?}", m.name(), s);
                prop_assert!(s.lo80 >= 0.0, "non-negative history, non-negative bound");
            }
        }
        let picked = Choice::Auto.pick(&y, horizon, season);
        prop_assert!(forecast::AUTO_CANDIDATES.contains(&picked));
    }
}
