//! `linli analytics …` as a user runs it: JSON on stdout; bad input named by file, line
//! and column on stderr with exit code 2.

use std::process::{Command, Output};

fn linli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_linli"))
        .args(args)
        .output()
        .expect("linli runs")
}

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn basket_prints_itemsets_and_rules_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let input = file(
        &dir,
        "b.csv",
        "milk,bread\nmilk,bread,eggs\nmilk\nbread,eggs\nmilk,bread\n",
    );
    let out = linli(&[
        "analytics",
        "basket",
        "--input",
        &input,
        "--min-support",
        "0.4",
        "--min-confidence",
        "0.7",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["transactions"].as_u64(), v["items"].as_u64()), (Some(5), Some(3)));
    assert_eq!(v["itemsets"].as_array().unwrap().len(), 5);
    assert_eq!(v["itemsets"][3]["items"], serde_json::json!(["bread", "milk"]));
    assert_eq!(v["itemsets"][3]["count"], 3);
    assert_eq!(v["rules"][0]["antecedent"], serde_json::json!(["eggs"]));
    assert_eq!(v["rules"][0]["consequent"], serde_json::json!(["bread"]));
    assert_eq!(v["rules"].as_array().unwrap().len(), 3);
}

#[test]
fn bad_input_names_file_line_and_column_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let baskets = file(&dir, "b.csv", "milk,bread\nmilk,,eggs\n");
    let out = linli(&["analytics", "basket", "--input", &baskets, "--min-support", "0.4"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{baskets}:2:6: empty item")), "{err}");

    let out = linli(&["analytics", "basket", "--input", &baskets, "--min-support", "1.5"]);
    assert_eq!(out.status.code(), Some(2));

    let purchases = file(
        &dir,
        "p.csv",
        "customer_id,date,amount\na,1997-01-01,3\nb,1997-01-02,x\n",
    );
    let out = linli(&[
        "analytics",
        "clv",
        "--input",
        &purchases,
        "--calibration-end",
        "1997-01-02",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{purchases}:3:14: amount is not a number")),
        "{err}"
    );

    let purchases = file(&dir, "q.csv", "a,1997-01-01,3\na,1997-01-09,4\n");
    let out = linli(&[
        "analytics",
        "clv",
        "--input",
        &purchases,
        "--calibration-end",
        "1998-01-01",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("after the last purchase (1997-01-09)"));
    let out = linli(&[
        "analytics",
        "clv",
        "--input",
        &purchases,
        "--calibration-end",
        "1997-02-30",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--calibration-end"));
}

#[test]
fn forecast_writes_steps_with_intervals_and_scores_a_holdout() {
    let dir = tempfile::tempdir().unwrap();
    let input = file(
        &dir,
        "w.csv",
        "Part,m1,m2,m3,m4,m5,m6,m7,m8\na,0,2,0,0,4,0,1,0\nb,5,6,,,,,,\nc,1,,2,3,4,5,6,7\n",
    );
    let out = linli(&[
        "analytics",
        "forecast",
        "--input",
        &input,
        "--horizon",
        "3",
        "--model",
        "sba",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "series_id,step,forecast,lo80,hi80");
    // a and b (ended early) are forecast; c has a gap inside and is left out, and said so.
    assert_eq!(rows.len(), 1 + 6);
    assert!(rows[1].starts_with("a,1,") && rows[6].starts_with("b,3,"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 series left out"));

    let out = linli(&[
        "analytics",
        "forecast",
        "--input",
        &input,
        "--holdout",
        "2",
        "--model",
        "naive",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Only a is complete: naive forecasts 0 for [1, 0]; MAE 0.5.
    assert_eq!((v["series"].as_u64(), v["mae"].as_f64()), (Some(1), Some(0.5)));
    assert_eq!(v["models"]["naive"], 1);

    let out = linli(&["analytics", "forecast", "--input", &input, "--model", "prophet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown model \"prophet\""));
    let bad = file(&dir, "x.csv", "a,1,2\nb,1,zwei\n");
    let out = linli(&["analytics", "forecast", "--input", &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("{bad}:2:5: not a number")));
}

#[test]
fn segment_prints_sizes_and_writes_each_customer() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("customer_id,date,amount\n");
    for week in 0..20 {
        text.push_str(&format!(
            "regular,2026-{:02}-{:02},80\n",
            1 + week / 4,
            1 + (week % 4) * 7
        ));
    }
    text.push_str("gone,2025-01-05,12\nnewcomer,2026-05-20,30\n");
    let input = file(&dir, "p.csv", &text);
    let out_path = dir.path().join("seg.csv");
    let out = linli(&[
        "analytics",
        "segment",
        "--input",
        &input,
        "--clusters",
        "3",
        "--output",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["customers"], 3);
    let total: u64 = v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 3, "every customer in one segment");
    let rows = std::fs::read_to_string(&out_path).unwrap();
    assert!(rows.starts_with("customer_id,recency_days,frequency,monetary,r,f,m,cluster,segment\n"));
    assert!(
        rows.lines().any(|l| l.starts_with("gone,") && l.ends_with(",沉睡")),
        "{rows}"
    );
    assert!(
        rows.lines().any(|l| l.starts_with("newcomer,") && l.ends_with(",新客")),
        "{rows}"
    );
}

#[test]
fn site_ranks_candidates_and_names_bad_cells() {
    let dir = tempfile::tempdir().unwrap();
    let stores = file(
        &dir,
        "stores.csv",
        "id,lat,lon,area_m2\nold,31.000,121.000,200\nmall,31.020,121.020,500\n",
    );
    let demand = file(
        &dir,
        "demand.csv",
        "id,lat,lon,demand\nA,31.030,121.030,5000\nB,31.031,121.029,4000\nC,31.000,121.001,1000\n",
    );
    let candidates = file(
        &dir,
        "candidates.csv",
        "id,lat,lon,area_m2\nnear-A,31.030,121.031,150\nfar,31.100,121.100,150\n",
    );
    let out = linli(&[
        "analytics",
        "site",
        "--stores",
        &stores,
        "--demand",
        &demand,
        "--candidates",
        &candidates,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["huff"]["fitted"], false, "no sales given: textbook exponents");
    assert_eq!(v["candidates"][0]["id"], "near-A");
    assert_eq!(v["candidates"][0]["rank"], 1);
    assert!(v["regression"].is_null());

    let bad = file(&dir, "bad.csv", "id,lat,lon,demand\nA,31.0,121.0,lots\n");
    let out = linli(&[
        "analytics",
        "site",
        "--stores",
        &stores,
        "--demand",
        &bad,
        "--candidates",
        &candidates,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("{bad}:2:14: demand is not a number")));
}

#[test]
fn the_holiday_calendar_explains_a_holiday_rush() {
    // Daily sales from March to June 2026: 30 a day, 25 more on public holidays off
    // (清明 Apr 4–6, 劳动节 May 1–5, 端午 Jun 19–21), 12 more on the two days before one.
    let holidays = [
        ("2026-04-04", "2026-04-06"),
        ("2026-05-01", "2026-05-05"),
        ("2026-06-19", "2026-06-21"),
    ];
    let day = |d: &str| d.parse::<jiff::civil::Date>().unwrap();
    let mut text = String::from("series_id,date,value\n");
    let mut d = day("2026-03-01");
    let mut k = 0;
    while d <= day("2026-06-30") {
        let on = holidays.iter().any(|(a, b)| day(a) <= d && d <= day(b));
        let eve = holidays.iter().any(|(a, _)| {
            let gap = (day(a) - d).get_days();
            (1..=2).contains(&gap)
        });
        let v = 30.0 + if on { 25.0 } else { 0.0 } + if eve && !on { 12.0 } else { 0.0 } + [0.5, -0.5, 0.2][k % 3];
        text.push_str(&format!("粽子,{d},{v}\n"));
        d = d.tomorrow().unwrap();
        k += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = file(&dir, "daily.csv", &text);
    let mae = |extra: &[&str]| {
        let mut args = vec![
            "analytics",
            "forecast",
            "--input",
            &input,
            "--holdout",
            "14",
            "--model",
            "ses",
        ];
        args.extend_from_slice(extra);
        let out = linli(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["mae"]
            .as_f64()
            .unwrap()
    };
    let (plain, with_calendar) = (mae(&[]), mae(&["--calendar", "cn"]));
    // The last 14 days hold 端午's eve and days off: without the calendar they are misses.
    assert!(
        with_calendar < plain / 3.0,
        "with the calendar {with_calendar}, without {plain}"
    );

    let wide = file(&dir, "w.csv", "a,1,2,3\n");
    let out = linli(&["analytics", "forecast", "--input", &wide, "--calendar", "cn"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("long format"));
}
