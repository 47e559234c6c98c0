//! Customer lifetime value: the published BG/NBD and Gamma-Gamma figures on the CDNOW
//! sample, and the published point check of customer 1.

use crate::data::dataset;
use linli_analytics::clv::{self, Purchases};
use linli_analytics::input::parse_date;

/// CDNOW_sample.txt (whitespace-separated: master id, sample id, YYYYMMDD, CDs, dollars)
/// as the engine's CSV `customer_id,date,amount`.
fn cdnow_as_csv(bytes: &[u8]) -> String {
    let text = std::str::from_utf8(bytes).unwrap();
    let mut csv = String::from("customer_id,date,amount\n");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let d = f[2];
        csv.push_str(&format!("{},{}-{}-{},{}\n", f[0], &d[..4], &d[4..6], &d[6..], f[4]));
    }
    csv
}

fn within(got: f64, published: f64, share: f64) -> bool {
    ((got - published) / published).abs() <= share
}

#[test]
fn cdnow_gives_the_published_parameters() {
    let Some(bytes) = dataset("cdnow-sample", "CDNOW_sample.txt") else {
        return;
    };
    let purchases = Purchases::parse(cdnow_as_csv(&bytes).as_bytes()).unwrap();
    assert_eq!((purchases.rows.len(), purchases.customers.len()), (6_919, 2_357));
    let summaries = clv::summarize(&purchases, parse_date("1997-09-30").unwrap()).unwrap();
    assert_eq!(summaries.len(), 2_357);
    assert_eq!(summaries.iter().filter(|s| s.x > 0).count(), 946);

    // Fader, Hardie & Lee (2005): r 0.243, α 4.414, a 0.793, b 2.426, LL −9582.4.
    let bg = clv::fit_bgnbd(&summaries);
    for (name, got, published) in [
        ("r", bg.r, 0.243),
        ("alpha", bg.alpha, 4.414),
        ("a", bg.a, 0.793),
        ("b", bg.b, 2.426),
    ] {
        assert!(within(got, published, 0.005), "{name} = {got}, published {published}");
    }
    assert!((bg.log_likelihood - (-9582.4)).abs() < 0.1, "{}", bg.log_likelihood);

    // Gamma-Gamma on the 946 repeat buyers: p 6.25, q 3.74, γ 15.44.
    let gg = clv::fit_gamma_gamma(&summaries).unwrap();
    for (name, got, published) in [("p", gg.p, 6.25), ("q", gg.q, 3.74), ("gamma", gg.gamma, 15.44)] {
        assert!(within(got, published, 0.01), "{name} = {got}, published {published}");
    }

    // Customer 1 (x = 2, t_x = 30.43, T = 38.86): E[X(39)] = 1.2259, P(alive) = 0.7266.
    let first = purchases.customers.iter().position(|c| c == "00004").unwrap() as u32;
    let c1 = summaries.iter().find(|s| s.customer == first).unwrap();
    assert_eq!(c1.x, 2);
    assert!((c1.t_x - 30.4286).abs() < 1e-4 && (c1.age - 38.8571).abs() < 1e-4);
    assert!((bg.p_alive(c1.x, c1.t_x, c1.age) - 0.7266).abs() < 5e-4);
    assert!((bg.expected_purchases(c1.x, c1.t_x, c1.age, 39.0) - 1.2259).abs() < 5e-3);
}
