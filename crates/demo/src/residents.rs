//! Residents who are members of the store: names, homes, phones and habits' seeds.
//!
//! A neighbourhood store's members are the people in the buildings around it, and
//! who they are drives what they buy: elderly residents of the old walk-ups shop
//! early for vegetables and eggs, young families buy milk and nappies, students
//! buy noodles and snacks late. Names follow the generation (a 1950s 秀英 next to
//! a 2000s 梓涵) and Shanghai's common surnames; phones are unique mainland
//! mobiles in the 13x/15x/18x/19x ranges.

use std::collections::HashSet;

use jiff::civil::Date;
use jiff::{Span, ToSpan};
use rand::Rng;

use crate::places::{DemoBuilding, Layout};
use crate::random::{DemoRng, Stream, choose, cumulative, pick, rng};

/// The kind of household a member lives in; it shapes habits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResidentKind {
    /// 年轻家庭: parents with a small child.
    YoungFamily,
    /// 老年人: retired, shops early and often.
    Elderly,
    /// 年轻上班族: works long days, shops late.
    YoungProfessional,
    /// 学生: snacks, drinks, stationery.
    Student,
    /// 家庭: a family with older children.
    Family,
}

impl ResidentKind {
    pub const ALL: [ResidentKind; 5] = [
        ResidentKind::YoungFamily,
        ResidentKind::Elderly,
        ResidentKind::YoungProfessional,
        ResidentKind::Student,
        ResidentKind::Family,
    ];

    /// Position in [`ResidentKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ResidentKind::YoungFamily => "年轻家庭",
            ResidentKind::Elderly => "老年人",
            ResidentKind::YoungProfessional => "年轻上班族",
            ResidentKind::Student => "学生",
            ResidentKind::Family => "家庭",
        }
    }
}

/// A member of the store.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoResident {
    pub phone: String,
    pub name_zh: String,
    /// Building code.
    pub building: String,
    pub unit: u8,
    /// Floor and door, as on the letterbox: "1202".
    pub room: String,
    pub birthday: Option<Date>,
    /// The day they became a member.
    pub joined: Date,
    pub kind: ResidentKind,
}

/// Fewest members the demo has; a few dozen more are drawn on top.
pub(crate) const RESIDENTS_MIN: usize = 540;
const RESIDENTS_EXTRA_MAX: usize = 40;

/// Share of members who joined before the history starts.
const JOINED_BEFORE_SHARE: f64 = 0.55;

/// Hands out unique mainland mobile numbers.
pub(crate) struct PhoneBook {
    rng: DemoRng,
    issued: HashSet<String>,
}

/// Mobile prefixes, weighted roughly by how common they are.
const MOBILE_PREFIXES: [(&str, f64); 28] = [
    ("138", 6.0),
    ("139", 6.0),
    ("137", 4.0),
    ("136", 4.0),
    ("135", 4.0),
    ("134", 2.0),
    ("133", 3.0),
    ("130", 3.0),
    ("131", 3.0),
    ("132", 2.0),
    ("150", 3.0),
    ("151", 3.0),
    ("152", 2.0),
    ("153", 2.0),
    ("155", 2.0),
    ("156", 2.0),
    ("157", 2.0),
    ("158", 3.0),
    ("159", 3.0),
    ("180", 2.0),
    ("181", 2.0),
    ("182", 2.0),
    ("183", 2.0),
    ("185", 2.0),
    ("186", 3.0),
    ("187", 3.0),
    ("189", 3.0),
    ("199", 2.0),
];

impl PhoneBook {
    pub(crate) fn new(seed: u64) -> PhoneBook {
        PhoneBook {
            rng: rng(seed, Stream::Residents, u64::MAX),
            issued: HashSet::new(),
        }
    }

    pub(crate) fn issue(&mut self) -> String {
        let cum = cumulative(MOBILE_PREFIXES.iter().map(|p| p.1));
        loop {
            let prefix = MOBILE_PREFIXES[pick(&cum, &mut self.rng).expect("weights are positive")].0;
            let rest: u32 = self.rng.random_range(0..100_000_000);
            let phone = format!("{prefix}{rest:08}");
            if self.issued.insert(phone.clone()) {
                return phone;
            }
        }
    }
}

/// Common surnames, with Shanghai's 沈/陆/顾/钱/徐 weighted up.
const SURNAMES: [(&str, f64); 40] = [
    ("张", 7.0),
    ("王", 7.0),
    ("李", 6.0),
    ("陈", 6.0),
    ("徐", 5.0),
    ("朱", 4.5),
    ("沈", 4.0),
    ("陆", 4.0),
    ("顾", 3.5),
    ("周", 4.0),
    ("吴", 4.0),
    ("钱", 2.5),
    ("黄", 3.5),
    ("杨", 3.5),
    ("刘", 4.0),
    ("孙", 3.0),
    ("胡", 2.5),
    ("金", 2.5),
    ("施", 2.0),
    ("姚", 2.0),
    ("蒋", 2.0),
    ("曹", 2.0),
    ("丁", 1.5),
    ("毛", 1.5),
    ("唐", 1.5),
    ("许", 2.0),
    ("马", 1.5),
    ("范", 1.5),
    ("郑", 1.5),
    ("汪", 1.5),
    ("何", 1.5),
    ("高", 1.5),
    ("林", 1.5),
    ("宋", 1.2),
    ("严", 1.2),
    ("邵", 1.0),
    ("俞", 1.0),
    ("奚", 0.6),
    ("龚", 0.8),
    ("瞿", 0.5),
];

/// Given names of people born in the 1940s–60s.
const NAMES_OLD: [&str; 40] = [
    "秀英", "桂英", "玉兰", "凤英", "美华", "金妹", "淑珍", "桂芳", "月娥", "阿娣", "建国", "国华", "志强", "德明",
    "福根", "根宝", "建华", "国庆", "卫东", "振华", "兰英", "素珍", "惠芬", "雅琴", "宝康", "家宝", "荣生", "水根",
    "小妹", "秀珍", "永康", "伟民", "美娟", "彩娣", "文龙", "金宝", "爱华", "红英", "佩芳", "庆华",
];

/// Given names of people born in the 1970s–90s.
const NAMES_MID: [&str; 40] = [
    "伟", "磊", "静", "敏", "丽", "军", "勇", "杰", "娟", "艳", "婷婷", "晶晶", "丽娜", "海燕", "晓东", "建平", "志刚",
    "俊杰", "文婷", "佳佳", "琳", "雪", "慧", "浩", "鹏", "超", "颖", "蕾", "倩", "斌", "晓燕", "丹丹", "亮", "晨",
    "旭东", "春燕", "立新", "海涛", "玲玲", "明",
];

/// Given names of people born in the late 1990s–2000s.
const NAMES_YOUNG: [&str; 40] = [
    "浩然", "子涵", "欣怡", "梓萱", "宇轩", "思远", "佳怡", "晨曦", "一鸣", "雨桐", "诗涵", "梓轩", "子墨", "若汐",
    "一诺", "浩宇", "思彤", "语嫣", "俊熙", "可馨", "奕辰", "嘉怡", "天佑", "梦瑶", "子豪", "雨萱", "博文", "心怡",
    "皓轩", "紫涵", "明轩", "芷若", "睿", "昊天", "思琪", "沐阳", "安琪", "逸飞", "若曦", "家乐",
];

/// How each kind of resident is spread over buildings: walk-up, tower.
fn building_affinity(kind: ResidentKind, layout: Layout) -> f64 {
    match (kind, layout.walk_up) {
        (ResidentKind::Elderly, true) => 2.2,
        (ResidentKind::Elderly, false) => 0.6,
        (ResidentKind::YoungFamily, true) => 0.5,
        (ResidentKind::YoungFamily, false) => 1.4,
        (ResidentKind::YoungProfessional, true) => 1.3,
        (ResidentKind::YoungProfessional, false) => 1.0,
        (ResidentKind::Student, true) => 1.4,
        (ResidentKind::Student, false) => 0.8,
        (ResidentKind::Family, true) => 0.8,
        (ResidentKind::Family, false) => 1.2,
    }
}

/// Share of each kind among members, in [`ResidentKind::ALL`] order.
const KIND_SHARE: [f64; 5] = [0.20, 0.26, 0.22, 0.08, 0.24];

/// Age range of each kind, in years.
fn age_range(kind: ResidentKind) -> (i16, i16) {
    match kind {
        ResidentKind::YoungFamily => (27, 38),
        ResidentKind::Elderly => (62, 86),
        ResidentKind::YoungProfessional => (22, 33),
        ResidentKind::Student => (18, 23),
        ResidentKind::Family => (38, 58),
    }
}

pub(crate) fn generate(
    seed: u64,
    buildings: &[(DemoBuilding, Layout)],
    start: Date,
    end: Date,
    phones: &mut PhoneBook,
) -> Vec<DemoResident> {
    let mut r = rng(seed, Stream::Residents, 0);
    let count = RESIDENTS_MIN + r.random_range(0..=RESIDENTS_EXTRA_MAX);
    let kind_cum = cumulative(KIND_SHARE);
    let surname_cum = cumulative(SURNAMES.iter().map(|s| s.1));
    let building_cums: Vec<Vec<f64>> = ResidentKind::ALL
        .iter()
        .map(|&k| {
            cumulative(
                buildings
                    .iter()
                    .map(|(b, l)| f64::from(b.households) * building_affinity(k, *l)),
            )
        })
        .collect();
    let history_days = i64::from((end - start).get_days().max(0));

    (0..count)
        .map(|_| {
            let kind = ResidentKind::ALL[pick(&kind_cum, &mut r).expect("shares are positive")];
            let bi = pick(&building_cums[kind.index()], &mut r).expect("buildings have households");
            let (building, layout) = &buildings[bi];
            let unit = r.random_range(1..=layout.units);
            let floor = r.random_range(1..=layout.floors);
            let door = r.random_range(1..=layout.rooms_per_floor);
            let (age_lo, age_hi) = age_range(kind);
            let age = r.random_range(age_lo..=age_hi);
            let birth_year = end.year() - age;
            let name_zh = name(&mut r, &surname_cum, birth_year);
            let birthday = r.random_bool(0.85).then(|| {
                Date::new(birth_year, r.random_range(1..=12), r.random_range(1..=28))
                    .expect("day 1–28 exists in every month")
            });
            let joined = if r.random_bool(JOINED_BEFORE_SHARE) {
                let back: i64 = r.random_range(1..=900);
                shift(start, -back)
            } else {
                shift(start, r.random_range(0..=history_days))
            };
            DemoResident {
                phone: phones.issue(),
                name_zh,
                building: building.code.clone(),
                unit,
                room: format!("{floor}{door:02}"),
                birthday,
                joined,
                kind,
            }
        })
        .collect()
}

fn name(r: &mut DemoRng, surname_cum: &[f64], birth_year: i16) -> String {
    let surname = SURNAMES[pick(surname_cum, r).expect("weights are positive")].0;
    let given = if birth_year < 1968 {
        choose(&NAMES_OLD, r)
    } else if birth_year < 1996 {
        choose(&NAMES_MID, r)
    } else {
        choose(&NAMES_YOUNG, r)
    };
    format!("{surname}{given}")
}

pub(crate) fn shift(date: Date, days: i64) -> Date {
    let span: Span = days.days();
    date.checked_add(span).expect("demo dates stay far inside jiff's range")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::places::buildings;
    use jiff::civil::date;
    use linli_domain::phone::PhoneNumber;

    fn residents(seed: u64) -> Vec<DemoResident> {
        let mut phones = PhoneBook::new(seed);
        generate(seed, &buildings(), date(2025, 11, 1), date(2026, 4, 29), &mut phones)
    }

    #[test]
    fn phones_are_unique_valid_mobiles() {
        let all = residents(4);
        let unique: HashSet<&str> = all.iter().map(|r| r.phone.as_str()).collect();
        assert_eq!(unique.len(), all.len());
        for r in &all {
            assert!(PhoneNumber::parse(&r.phone).is_ok(), "{}", r.phone);
            assert!(matches!(&r.phone[..2], "13" | "15" | "18" | "19"), "{}", r.phone);
        }
    }

    #[test]
    fn elderly_live_mostly_in_the_old_walk_ups() {
        let all = residents(9);
        let walk_ups: HashSet<String> = buildings()
            .into_iter()
            .filter(|(_, l)| l.walk_up)
            .map(|(b, _)| b.code)
            .collect();
        let share = |kind| {
            let of_kind: Vec<&DemoResident> = all.iter().filter(|r| r.kind == kind).collect();
            of_kind.iter().filter(|r| walk_ups.contains(&r.building)).count() as f64 / of_kind.len() as f64
        };
        assert!(share(ResidentKind::Elderly) > share(ResidentKind::YoungFamily) + 0.2);
    }

    #[test]
    fn rooms_exist_in_their_building() {
        let layouts = buildings();
        for r in residents(1) {
            let (_, l) = layouts
                .iter()
                .find(|(b, _)| b.code == r.building)
                .expect("resident's building exists");
            assert!((1..=l.units).contains(&r.unit));
            let n: u32 = r.room.parse().expect("rooms are numbers");
            assert!((1..=u32::from(l.floors)).contains(&(n / 100)), "{}", r.room);
            assert!((1..=u32::from(l.rooms_per_floor)).contains(&(n % 100)), "{}", r.room);
        }
    }
}
