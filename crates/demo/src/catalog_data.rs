//! The demo catalogue as data: the category tree and 478 real-looking products.
//!
//! Everything a shopper would recognise — brand, name with pack size, unit label and
//! shelf price — is written out by hand here, so the demo reads like a real Shanghai
//! neighbourhood store. Only what varies with the seed (cost, exact demand, weather
//! sensitivity) is drawn in [`crate::catalog`]. `pop` is the intended number of sale
//! lines per ordinary day; it is rescaled so the whole catalogue matches the store's
//! traffic. Tags say which scene zones an item belongs to and how it reacts to
//! weather and holidays; a role names what it is bought together with. The item
//! tables skip rustfmt so each product stays on one line, like a price list.

use linli_domain::calendar::Holiday;

/// Scene zone 早餐角 (breakfast corner).
pub(crate) const B: u32 = 1;
/// Scene zone 应急专区 (emergency shelf); also sells a little more in heavy rain.
pub(crate) const E: u32 = 1 << 1;
/// Scene zone 亲子区 (parent-child corner).
pub(crate) const F: u32 = 1 << 2;
/// Scene zone 夜宵 (late-night snacks).
pub(crate) const N: u32 = 1 << 3;
/// Scene zone 健康轻食 (healthy eating).
pub(crate) const H: u32 = 1 << 4;
/// Scene zone 节日礼品 (festive gifts): sells several times more before holidays.
pub(crate) const G: u32 = 1 << 5;
/// Sells somewhat more before holidays (fruit, liquor) without being a gift.
pub(crate) const HOL: u32 = 1 << 6;
/// Stay-at-home staple: sells more on rainy days.
pub(crate) const RAIN: u32 = 1 << 7;
/// Rain gear: sells many times more on rainy days.
pub(crate) const UMB: u32 = 1 << 8;
/// Cold drink: sells more on hot days.
pub(crate) const HOT: u32 = 1 << 9;
/// Ice cream, watermelon: strongly seasonal, little sold in winter.
pub(crate) const ICE: u32 = 1 << 10;
/// Hot pot, ginger tea, warmers: sells more on cold days, less in summer.
pub(crate) const COLD: u32 = 1 << 11;

/// What a product is bought together with (see `sales::RULES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    None,
    Bread,
    Milk,
    Cereal,
    Noodle,
    NoodleSide,
    Beer,
    BeerSnack,
    Veg,
    Tomato,
    Egg,
    Meat,
    Chips,
    Cola,
    Diaper,
    Wipes,
    HotpotBase,
    HotpotItem,
    Dumpling,
    Vinegar,
    PetFood,
    PetSnack,
}

impl Role {
    pub(crate) const COUNT: usize = 22;

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Shelf life of an item: the category's, a specific number of days, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Life {
    Leaf,
    Days(i64),
    Keeps,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Item {
    pub brand: &'static str,
    pub name: &'static str,
    pub en: &'static str,
    /// A piece label of `linli_domain::catalog::PIECE_UNITS`, or "kg" for weighed goods.
    pub unit: &'static str,
    /// Per piece, or per kg for weighed goods.
    pub price_fen: i64,
    pub pop: f64,
    pub tags: u32,
    pub role: Role,
    pub life: Life,
    /// Typical grams per sale line of a weighed item; 0 takes the category's.
    pub grams: i64,
    /// A festival food (青团, 粽子, 月饼, 汤圆) that sells mostly in the weeks before it.
    pub fest: Option<Holiday>,
}

const fn it(
    brand: &'static str,
    name: &'static str,
    en: &'static str,
    unit: &'static str,
    price_fen: i64,
    pop: f64,
) -> Item {
    Item {
        brand,
        name,
        en,
        unit,
        price_fen,
        pop,
        tags: 0,
        role: Role::None,
        life: Life::Leaf,
        grams: 0,
        fest: None,
    }
}

impl Item {
    const fn t(mut self, tags: u32) -> Item {
        self.tags |= tags;
        self
    }
    const fn r(mut self, role: Role) -> Item {
        self.role = role;
        self
    }
    const fn life(mut self, days: i64) -> Item {
        self.life = Life::Days(days);
        self
    }
    const fn keeps(mut self) -> Item {
        self.life = Life::Keeps;
        self
    }
    const fn g(mut self, grams: i64) -> Item {
        self.grams = grams;
        self
    }
    const fn fest(mut self, holiday: Holiday) -> Item {
        self.fest = Some(holiday);
        self
    }
}

/// A top-level category group.
pub(crate) struct Group {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

pub(crate) const GROUPS: [Group; 5] = [
    Group {
        code: "C10",
        zh: "生鲜",
        en: "Fresh",
    },
    Group {
        code: "C20",
        zh: "冷藏烘焙",
        en: "Chilled & bakery",
    },
    Group {
        code: "C30",
        zh: "食品",
        en: "Grocery",
    },
    Group {
        code: "C40",
        zh: "日用",
        en: "Household",
    },
    Group {
        code: "C50",
        zh: "母婴宠物",
        en: "Baby & pet",
    },
];

/// A leaf category with its defaults and its items.
pub(crate) struct Leaf {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub parent: &'static str,
    pub alert_hours: i64,
    pub life: Option<i64>,
    pub tax_bp: u32,
    /// Tags every item of the category has.
    pub tags: u32,
    /// Typical grams per line for weighed items.
    pub grams: i64,
    /// Relative demand by day part: 07–10, 10–16, 16–21, 21–23.
    pub daypart: [f64; 4],
    /// How much each kind of resident favours the category, in
    /// `ResidentKind::ALL` order: young family, elderly, young professional,
    /// student, family.
    pub personas: [f64; 5],
    /// Cheap items bought several at a time (drinks, noodles, buns).
    pub multi: bool,
    pub items: &'static [Item],
}

const TAX_FOOD_BP: u32 = 900;
const TAX_GOODS_BP: u32 = 1300;

pub(crate) const LEAVES: [Leaf; 25] = [
    Leaf {
        code: "C1001",
        zh: "蔬菜",
        en: "Vegetables",
        parent: "C10",
        alert_hours: 24,
        life: Some(3),
        tax_bp: TAX_FOOD_BP,
        tags: 0,
        grams: 600,
        daypart: [1.3, 0.6, 1.5, 0.2],
        personas: [1.3, 2.2, 0.6, 0.2, 1.6],
        multi: false,
        items: VEGETABLES,
    },
    Leaf {
        code: "C1002",
        zh: "水果",
        en: "Fruit",
        parent: "C10",
        alert_hours: 48,
        life: Some(7),
        tax_bp: TAX_FOOD_BP,
        tags: HOL,
        grams: 1000,
        daypart: [0.9, 0.9, 1.2, 0.7],
        personas: [1.5, 1.3, 1.0, 0.8, 1.4],
        multi: false,
        items: FRUIT,
    },
    Leaf {
        code: "C1003",
        zh: "肉禽",
        en: "Meat & poultry",
        parent: "C10",
        alert_hours: 24,
        life: Some(3),
        tax_bp: TAX_FOOD_BP,
        tags: 0,
        grams: 500,
        daypart: [1.2, 0.6, 1.6, 0.2],
        personas: [1.2, 1.6, 0.5, 0.1, 1.7],
        multi: false,
        items: MEAT,
    },
    Leaf {
        code: "C1004",
        zh: "水产",
        en: "Seafood",
        parent: "C10",
        alert_hours: 24,
        life: Some(2),
        tax_bp: TAX_FOOD_BP,
        tags: 0,
        grams: 600,
        daypart: [1.3, 0.6, 1.5, 0.2],
        personas: [1.0, 1.5, 0.4, 0.1, 1.4],
        multi: false,
        items: SEAFOOD,
    },
    Leaf {
        code: "C1005",
        zh: "蛋类",
        en: "Eggs",
        parent: "C10",
        alert_hours: 72,
        life: Some(30),
        tax_bp: TAX_FOOD_BP,
        tags: B,
        grams: 700,
        daypart: [1.4, 0.7, 1.2, 0.4],
        personas: [1.3, 1.8, 0.8, 0.3, 1.4],
        multi: false,
        items: EGGS,
    },
    Leaf {
        code: "C1006",
        zh: "豆制品",
        en: "Tofu & soy",
        parent: "C10",
        alert_hours: 24,
        life: Some(3),
        tax_bp: TAX_FOOD_BP,
        tags: 0,
        grams: 500,
        daypart: [1.4, 0.6, 1.4, 0.2],
        personas: [0.9, 2.0, 0.5, 0.2, 1.3],
        multi: false,
        items: TOFU,
    },
    Leaf {
        code: "C2001",
        zh: "乳制品",
        en: "Dairy",
        parent: "C20",
        alert_hours: 72,
        life: Some(180),
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [1.5, 0.8, 0.9, 0.7],
        personas: [1.8, 1.2, 1.2, 1.0, 1.3],
        multi: true,
        items: DAIRY,
    },
    Leaf {
        code: "C2002",
        zh: "烘焙",
        en: "Bakery",
        parent: "C20",
        alert_hours: 24,
        life: Some(3),
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [1.8, 0.8, 0.8, 0.6],
        personas: [1.3, 0.8, 1.6, 1.5, 1.0],
        multi: true,
        items: BAKERY,
    },
    Leaf {
        code: "C2003",
        zh: "冷冻食品",
        en: "Frozen food",
        parent: "C20",
        alert_hours: 168,
        life: Some(365),
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [0.6, 0.9, 1.2, 1.2],
        personas: [1.2, 0.6, 1.4, 1.2, 1.0],
        multi: false,
        items: FROZEN,
    },
    Leaf {
        code: "C2004",
        zh: "鲜食",
        en: "Ready meals",
        parent: "C20",
        alert_hours: 12,
        life: Some(1),
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [1.2, 2.2, 0.9, 0.6],
        personas: [0.6, 0.6, 2.2, 1.8, 0.6],
        multi: true,
        items: READY_MEALS,
    },
    Leaf {
        code: "C3001",
        zh: "饮料",
        en: "Soft drinks",
        parent: "C30",
        alert_hours: 720,
        life: Some(365),
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [0.8, 1.3, 1.0, 1.1],
        personas: [0.9, 0.6, 1.6, 2.0, 1.0],
        multi: true,
        items: DRINKS,
    },
    Leaf {
        code: "C3002",
        zh: "酒水",
        en: "Beer, wine & spirits",
        parent: "C30",
        alert_hours: 720,
        life: None,
        tax_bp: TAX_GOODS_BP,
        tags: HOL,
        grams: 500,
        daypart: [0.2, 0.6, 1.3, 1.8],
        personas: [0.6, 0.8, 1.4, 0.6, 1.2],
        multi: true,
        items: LIQUOR,
    },
    Leaf {
        code: "C3003",
        zh: "零食",
        en: "Snacks",
        parent: "C30",
        alert_hours: 720,
        life: Some(270),
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 350,
        daypart: [0.5, 1.0, 1.1, 1.6],
        personas: [1.2, 0.5, 1.3, 2.2, 1.0],
        multi: true,
        items: SNACKS,
    },
    Leaf {
        code: "C3004",
        zh: "粮油",
        en: "Rice, flour & oil",
        parent: "C30",
        alert_hours: 720,
        life: Some(365),
        tax_bp: TAX_FOOD_BP,
        tags: 0,
        grams: 1200,
        daypart: [1.2, 1.0, 1.0, 0.5],
        personas: [1.0, 1.5, 0.4, 0.1, 1.5],
        multi: false,
        items: GRAIN_OIL,
    },
    Leaf {
        code: "C3005",
        zh: "调味品",
        en: "Condiments",
        parent: "C30",
        alert_hours: 720,
        life: Some(540),
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [1.1, 1.0, 1.1, 0.5],
        personas: [1.0, 1.3, 0.5, 0.1, 1.4],
        multi: false,
        items: CONDIMENTS,
    },
    Leaf {
        code: "C3006",
        zh: "方便速食",
        en: "Instant food",
        parent: "C30",
        alert_hours: 720,
        life: Some(180),
        tax_bp: TAX_GOODS_BP,
        tags: RAIN,
        grams: 500,
        daypart: [0.5, 1.0, 1.0, 1.7],
        personas: [0.5, 0.4, 1.6, 2.2, 0.7],
        multi: true,
        items: INSTANT,
    },
    Leaf {
        code: "C3007",
        zh: "冲调",
        en: "Coffee, tea & cereal",
        parent: "C30",
        alert_hours: 720,
        life: Some(365),
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [1.3, 1.0, 0.9, 0.6],
        personas: [0.8, 1.3, 1.2, 0.8, 1.0],
        multi: false,
        items: BREWS,
    },
    Leaf {
        code: "C4001",
        zh: "日用百货",
        en: "Household goods",
        parent: "C40",
        alert_hours: 720,
        life: None,
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [1.0, 1.1, 1.0, 0.8],
        personas: [1.0, 1.0, 0.8, 0.6, 1.2],
        multi: false,
        items: HOUSEHOLD,
    },
    Leaf {
        code: "C4002",
        zh: "清洁用品",
        en: "Cleaning",
        parent: "C40",
        alert_hours: 720,
        life: None,
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [1.0, 1.1, 1.0, 0.7],
        personas: [1.2, 1.0, 0.6, 0.3, 1.3],
        multi: false,
        items: CLEANING,
    },
    Leaf {
        code: "C4003",
        zh: "个人护理",
        en: "Personal care",
        parent: "C40",
        alert_hours: 720,
        life: None,
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [0.9, 1.0, 1.0, 1.0],
        personas: [1.0, 0.8, 1.0, 1.0, 1.0],
        multi: false,
        items: PERSONAL_CARE,
    },
    Leaf {
        code: "C4004",
        zh: "纸品",
        en: "Paper goods",
        parent: "C40",
        alert_hours: 720,
        life: None,
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [1.0, 1.0, 1.1, 0.8],
        personas: [1.3, 1.0, 0.8, 0.6, 1.2],
        multi: false,
        items: PAPER,
    },
    Leaf {
        code: "C4005",
        zh: "文具",
        en: "Stationery",
        parent: "C40",
        alert_hours: 720,
        life: None,
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [1.2, 0.9, 1.1, 0.5],
        personas: [0.6, 0.3, 0.6, 2.0, 1.2],
        multi: false,
        items: STATIONERY,
    },
    Leaf {
        code: "C4006",
        zh: "应急用品",
        en: "Emergency supplies",
        parent: "C40",
        alert_hours: 720,
        life: None,
        tax_bp: TAX_GOODS_BP,
        tags: E,
        grams: 500,
        daypart: [0.9, 1.0, 1.0, 1.0],
        personas: [0.8, 1.0, 0.8, 0.6, 0.8],
        multi: false,
        items: EMERGENCY,
    },
    Leaf {
        code: "C5001",
        zh: "母婴",
        en: "Baby",
        parent: "C50",
        alert_hours: 720,
        life: None,
        tax_bp: TAX_GOODS_BP,
        tags: F,
        grams: 500,
        daypart: [1.0, 1.1, 1.1, 0.6],
        personas: [3.0, 0.05, 0.0, 0.0, 0.2],
        multi: false,
        items: BABY,
    },
    Leaf {
        code: "C5002",
        zh: "宠物",
        en: "Pet",
        parent: "C50",
        alert_hours: 720,
        life: Some(540),
        tax_bp: TAX_GOODS_BP,
        tags: 0,
        grams: 500,
        daypart: [1.0, 1.0, 1.1, 0.8],
        personas: [0.0, 0.0, 0.0, 0.0, 0.0],
        multi: false,
        items: PET,
    },
];

/// The index of the baby leaf: young families always get a few favourites from it.
pub(crate) const BABY_LEAF: usize = 23;
/// The index of the pet leaf: only pet owners buy from it habitually.
pub(crate) const PET_LEAF: usize = 24;

use Role::{
    Beer, BeerSnack, Bread, Cereal, Chips, Cola, Diaper, Dumpling, Egg, HotpotBase, HotpotItem, Meat, Milk, Noodle,
    NoodleSide, PetFood, PetSnack, Tomato, Veg, Vinegar, Wipes,
};

#[rustfmt::skip]
const VEGETABLES: &[Item] = &[
    it("", "上海青", "Shanghai bok choy", "kg", 798, 30.0).r(Veg).g(500),
    it("", "菠菜", "Spinach", "kg", 1198, 6.0).r(Veg).g(450),
    it("", "生菜", "Lettuce", "kg", 998, 5.0).r(Veg).t(H).g(450),
    it("", "大白菜", "Napa cabbage", "kg", 398, 5.0).r(Veg).t(COLD).g(1400),
    it("", "西兰花", "Broccoli", "kg", 1398, 5.0).r(Veg).t(H).g(500),
    it("", "番茄", "Tomatoes", "kg", 898, 14.0).r(Tomato).g(700),
    it("", "黄瓜", "Cucumbers", "kg", 798, 9.0).r(Veg).t(HOT).g(600),
    it("", "土豆", "Potatoes", "kg", 498, 9.0).r(Veg).g(900),
    it("", "胡萝卜", "Carrots", "kg", 498, 5.0).r(Veg).g(600),
    it("", "洋葱", "Onions", "kg", 498, 4.0).r(Veg).g(700),
    it("", "茄子", "Aubergines", "kg", 898, 4.0).r(Veg).g(600),
    it("", "青椒", "Green peppers", "kg", 898, 5.0).r(Veg).g(400),
    it("", "芹菜", "Celery", "kg", 798, 3.0).r(Veg).g(500),
    it("", "韭菜", "Chinese chives", "kg", 1198, 3.0).r(Veg).g(400),
    it("", "冬瓜", "Winter melon", "kg", 398, 2.5).r(Veg).t(HOT).g(1200),
    it("", "南瓜", "Pumpkin", "kg", 498, 2.0).r(Veg).g(1000),
    it("", "莲藕", "Lotus root", "kg", 1198, 2.0).r(Veg).t(COLD).g(800),
    it("", "铁棍山药", "Iron-stick yam", "kg", 1598, 1.5).r(Veg).t(COLD | H).g(800),
    it("", "白萝卜", "White radish", "kg", 398, 3.0).r(Veg).t(COLD).g(1200),
    it("", "生姜", "Ginger", "kg", 1598, 4.0).t(COLD).g(300),
    it("", "大蒜", "Garlic", "kg", 1398, 3.0).g(300).life(30),
    it("", "香菇", "Shiitake mushrooms", "kg", 1998, 3.0).r(Veg).g(350),
    it("", "杏鲍菇", "King oyster mushrooms", "kg", 1398, 2.0).r(Veg).g(400),
    it("", "丝瓜", "Loofah", "kg", 998, 2.0).r(Veg).t(HOT).g(600),
    it("", "毛豆", "Edamame", "kg", 1298, 2.0).r(BeerSnack).t(HOT | N).g(400),
    it("", "金针菇 200g", "Enoki mushrooms 200g", "袋", 350, 6.0).r(HotpotItem).t(COLD),
    it("", "娃娃菜 3颗装", "Baby napa cabbage, 3 heads", "袋", 690, 5.0).r(HotpotItem).t(COLD),
    it("", "小葱 1把", "Spring onions, bunch", "把", 200, 6.0),
    it("", "香菜 1把", "Coriander, bunch", "把", 250, 3.0),
    it("", "绿豆芽 400g", "Mung bean sprouts 400g", "袋", 300, 3.0).r(Veg).life(2),
    it("", "甜玉米 1支", "Sweet corn, one ear", "支", 350, 3.0).t(B),
    it("", "净菜沙拉 250g", "Washed salad mix 250g", "盒", 1290, 2.0).t(H).life(2),
];

#[rustfmt::skip]
const FRUIT: &[Item] = &[
    it("", "红富士苹果", "Fuji apples", "kg", 1398, 12.0).life(21),
    it("", "香蕉", "Bananas", "kg", 698, 18.0).t(B | H).life(5),
    it("", "砂糖橘", "Shatang mandarins", "kg", 998, 6.0).t(COLD),
    it("", "赣南脐橙", "Gannan navel oranges", "kg", 1198, 6.0).t(COLD).life(14),
    it("", "库尔勒香梨", "Korla fragrant pears", "kg", 1598, 3.0).life(14),
    it("", "巨峰葡萄", "Kyoho grapes", "kg", 1598, 3.0).t(HOT),
    it("", "8424西瓜", "8424 watermelon", "kg", 398, 6.0).t(ICE).g(1500),
    it("", "哈密瓜", "Hami melon", "kg", 698, 2.0).t(HOT).g(1500),
    it("", "徐香猕猴桃", "Xuxiang kiwifruit", "kg", 1998, 3.0).t(H).life(10),
    it("", "红心火龙果", "Red dragon fruit", "kg", 1398, 3.0),
    it("", "小台农芒果", "Tainong mangoes", "kg", 1598, 3.0).t(HOT),
    it("", "阳山水蜜桃", "Yangshan honey peaches", "kg", 1998, 2.5).t(HOT).life(4),
    it("", "丑橘", "Dekopon mandarins", "kg", 1298, 2.0).t(COLD),
    it("", "冬枣", "Winter jujubes", "kg", 1598, 1.5),
    it("", "智利车厘子", "Chilean cherries", "kg", 6998, 1.2).t(G),
    it("", "山竹", "Mangosteens", "kg", 4998, 0.8),
    it("", "红颜草莓 300g", "Benihoppe strawberries 300g", "盒", 2990, 2.5).t(F).life(3),
    it("", "蓝莓 125g", "Blueberries 125g", "盒", 1590, 3.0).t(H),
    it("", "琯溪蜜柚 1个", "Guanxi honey pomelo", "个", 1290, 2.0).t(COLD).life(30),
    it("", "柠檬 1个", "Lemon", "个", 200, 2.0).life(14),
    it("", "海南椰青 1个", "Hainan young coconut", "个", 1290, 1.5).t(HOT),
    it("", "鲜切水果杯 300g", "Fresh-cut fruit cup 300g", "盒", 1590, 3.0).t(H).life(1),
    it("", "精品水果礼盒", "Fruit gift box", "盒", 12800, 0.3).t(G),
];

#[rustfmt::skip]
const MEAT: &[Item] = &[
    it("", "猪里脊肉", "Pork tenderloin", "kg", 3598, 4.0).r(Meat),
    it("", "五花肉", "Pork belly", "kg", 3298, 6.0).r(Meat),
    it("", "猪肋排", "Pork spare ribs", "kg", 5598, 3.0).r(Meat),
    it("", "猪肉糜", "Minced pork", "kg", 2998, 5.0).r(Meat).g(400),
    it("", "猪前腿肉", "Pork shoulder", "kg", 2798, 2.0).r(Meat),
    it("", "猪蹄", "Pig trotters", "kg", 3598, 1.0).r(Meat).t(COLD).g(900),
    it("", "牛腱子", "Beef shank", "kg", 8998, 1.5).r(Meat),
    it("", "鸡翅中", "Chicken mid-wings", "kg", 4998, 3.0).r(Meat),
    it("", "琵琶腿", "Chicken drumsticks", "kg", 2598, 3.0).r(Meat).g(700),
    it("双汇", "双汇冷鲜鸡胸肉 500g", "Shuanghui chilled chicken breast 500g", "盒", 1590, 2.0).r(Meat).t(H).life(5),
    it("", "崇明三黄鸡 1只", "Chongming yellow chicken, whole", "只", 5990, 0.8).r(Meat).t(COLD | HOL),
    it("", "肥牛卷 250g", "Sliced beef rolls 250g", "盒", 3290, 2.0).r(HotpotItem).t(COLD).life(5),
    it("", "羊肉卷 250g", "Sliced lamb rolls 250g", "盒", 3590, 1.5).r(HotpotItem).t(COLD).life(5),
];

#[rustfmt::skip]
const SEAFOOD: &[Item] = &[
    it("", "鲈鱼", "Sea bass", "kg", 4598, 1.5).r(Meat).g(700),
    it("", "基围虾", "Greasyback shrimp", "kg", 8998, 1.5).r(Meat).t(HOL).g(400),
    it("", "草鱼段", "Grass carp steaks", "kg", 2398, 1.5).r(Meat),
    it("", "带鱼段", "Hairtail steaks", "kg", 5998, 1.2).r(Meat).life(3),
    it("", "小黄鱼", "Small yellow croaker", "kg", 3998, 1.0).r(Meat),
    it("", "花蛤", "Manila clams", "kg", 1998, 1.0).r(Meat).g(500),
    it("", "蛏子", "Razor clams", "kg", 3598, 0.6).r(Meat).g(500),
    it("", "三文鱼刺身 200g", "Salmon sashimi 200g", "盒", 4990, 0.6).t(H | G),
    it("", "海带结 400g", "Kelp knots 400g", "袋", 590, 1.5).r(HotpotItem).t(COLD).life(5),
    it("", "虾滑 150g", "Shrimp paste 150g", "盒", 2590, 1.0).r(HotpotItem).t(COLD).life(5),
];

#[rustfmt::skip]
const EGGS: &[Item] = &[
    it("", "鲜鸡蛋（散称）", "Fresh eggs, loose", "kg", 1198, 25.0).r(Egg),
    it("德青源", "德青源鲜鸡蛋 10枚", "DQY fresh eggs ×10", "盒", 1590, 8.0).r(Egg),
    it("德青源", "德青源鲜鸡蛋 30枚", "DQY fresh eggs ×30", "盒", 3990, 2.0).r(Egg),
    it("圣迪乐村", "圣迪乐村鲜鸡蛋 10枚", "Sundaily fresh eggs ×10", "盒", 1990, 3.0).r(Egg),
    it("黄天鹅", "黄天鹅可生食鸡蛋 6枚", "Huangtiane raw-edible eggs ×6", "盒", 2990, 1.5).r(Egg).t(H).life(28),
    it("", "农家土鸡蛋 15枚", "Free-range eggs ×15", "盒", 2590, 1.5).r(Egg).t(HOL),
    it("", "高邮咸鸭蛋 6枚", "Gaoyou salted duck eggs ×6", "盒", 1290, 1.0).life(45),
    it("", "松花皮蛋 6枚", "Century eggs ×6", "盒", 990, 0.8).life(60),
    it("", "鹌鹑蛋 250g", "Quail eggs 250g", "盒", 890, 0.6),
];

#[rustfmt::skip]
const TOFU: &[Item] = &[
    it("清美", "清美内酯豆腐 400g", "Qingmei silken tofu 400g", "盒", 250, 7.0).r(Veg),
    it("清美", "清美老豆腐 500g", "Qingmei firm tofu 500g", "盒", 350, 4.0).r(Veg),
    it("清美", "清美豆腐干 200g", "Qingmei pressed tofu 200g", "袋", 450, 2.0).r(Veg),
    it("清美", "清美油豆腐 150g", "Qingmei fried tofu puffs 150g", "袋", 450, 1.5).r(HotpotItem).t(COLD),
    it("清美", "清美百叶 250g", "Qingmei tofu sheets 250g", "袋", 400, 1.5).r(Veg),
    it("清美", "清美素鸡 250g", "Qingmei vegetarian chicken 250g", "袋", 400, 1.0),
    it("清美", "清美原味豆浆 1L", "Qingmei soy milk 1L", "瓶", 690, 4.0).t(B | H).life(5),
    it("清美", "清美冻豆腐 400g", "Qingmei frozen tofu 400g", "袋", 590, 1.0).r(HotpotItem).t(COLD).life(90),
    it("祖名", "祖名有机豆浆 250ml", "Zuming organic soy milk 250ml", "盒", 350, 2.0).t(B | H).life(30),
];

#[rustfmt::skip]
const DAIRY: &[Item] = &[
    it("光明", "光明鲜牛奶 950ml", "Bright fresh milk 950ml", "瓶", 1850, 22.0).r(Milk).t(B).life(7),
    it("光明", "光明鲜牛奶 450ml", "Bright fresh milk 450ml", "瓶", 1050, 10.0).r(Milk).t(B).life(7),
    it("光明", "光明优倍鲜牛奶 950ml", "Bright Youbei fresh milk 950ml", "瓶", 2190, 5.0).r(Milk).t(B).life(7),
    it("光明", "光明致优全鲜乳 900ml", "Bright Zhiyou whole fresh milk 900ml", "瓶", 2590, 2.0).r(Milk).t(B | H).life(10),
    it("蒙牛", "蒙牛每日鲜语鲜牛奶 720ml", "Mengniu Daily Fresh milk 720ml", "瓶", 2390, 2.5).r(Milk).t(B).life(10),
    it("光明", "光明纯牛奶 250ml", "Bright UHT milk 250ml", "盒", 350, 6.0).r(Milk).t(B),
    it("伊利", "伊利纯牛奶 250ml", "Yili UHT milk 250ml", "盒", 350, 8.0).r(Milk).t(B),
    it("蒙牛", "蒙牛纯牛奶 250ml", "Mengniu UHT milk 250ml", "盒", 330, 5.0).r(Milk).t(B),
    it("伊利", "伊利纯牛奶 250ml×24", "Yili UHT milk 250ml ×24", "箱", 6990, 1.2).r(Milk).t(G),
    it("蒙牛", "蒙牛纯牛奶 250ml×24", "Mengniu UHT milk 250ml ×24", "箱", 6490, 0.8).r(Milk).t(G),
    it("蒙牛", "蒙牛特仑苏纯牛奶 250ml×12", "Mengniu Deluxe milk 250ml ×12", "箱", 6990, 0.8).r(Milk).t(G),
    it("伊利", "伊利金典有机纯牛奶 250ml×12", "Yili Satine organic milk 250ml ×12", "箱", 7290, 0.6).r(Milk).t(G | H),
    it("伊利", "伊利舒化无乳糖牛奶 220ml", "Yili lactose-free milk 220ml", "盒", 450, 1.5).r(Milk).t(H),
    it("伊利", "伊利安慕希原味酸奶 205g", "Yili Ambrosial yoghurt 205g", "盒", 590, 5.0).t(B),
    it("光明", "光明莫斯利安酸奶 200g", "Bright Momchilovtsi yoghurt 200g", "盒", 550, 4.0).t(B),
    it("君乐宝", "君乐宝简醇0蔗糖酸奶 150g", "Junlebao no-sucrose yoghurt 150g", "盒", 450, 2.5).t(H).life(21),
    it("光明", "光明如实发酵乳 135g", "Bright Rushi plain yoghurt 135g", "瓶", 590, 2.0).t(H | B).life(21),
    it("简爱", "简爱裸酸奶 135g", "Simplelove plain yoghurt 135g", "盒", 690, 1.5).t(H).life(21),
    it("卡士", "卡士鲜酪乳 120g", "CLASSY·KISS fresh yoghurt 120g", "盒", 490, 1.5).life(21),
    it("养乐多", "养乐多活菌型乳酸菌饮品 100ml×5", "Yakult 100ml ×5", "包", 1190, 4.0).t(F).life(30),
    it("旺仔", "旺仔牛奶 245ml", "Want Want milk drink 245ml", "罐", 450, 3.0).t(F | N).life(360),
    it("娃哈哈", "娃哈哈AD钙奶 220g×4", "Wahaha AD calcium milk 220g ×4", "包", 990, 2.0).t(F).life(270),
    it("伊利", "伊利QQ星儿童成长牛奶 125ml×4", "Yili QQ Star kids' milk 125ml ×4", "包", 1290, 1.5).r(Milk).t(F),
    it("妙可蓝多", "妙可蓝多原味奶酪棒 100g", "Milkground cheese sticks 100g", "包", 1590, 1.5).t(F).life(150),
    it("妙可蓝多", "妙可蓝多马苏里拉芝士碎 200g", "Milkground grated mozzarella 200g", "袋", 2190, 0.5).life(270),
    it("安佳", "安佳无盐黄油 227g", "Anchor unsalted butter 227g", "盒", 2990, 0.4).life(540),
];

#[rustfmt::skip]
const BAKERY: &[Item] = &[
    it("桃李", "桃李天然酵母面包 80g", "Toly natural-yeast bun 80g", "袋", 350, 20.0).r(Bread).t(B).life(7),
    it("桃李", "桃李醇熟切片面包 400g", "Toly sliced bread 400g", "袋", 1050, 6.0).r(Bread).t(B).life(7),
    it("桃李", "桃李巧克力面包 75g", "Toly chocolate bun 75g", "袋", 350, 3.0).r(Bread).t(B | F).life(7),
    it("宾堡", "宾堡全麦吐司 400g", "Bimbo whole-wheat toast 400g", "袋", 1290, 2.5).r(Bread).t(B | H).life(7),
    it("曼可顿", "曼可顿白吐司 400g", "Mankattan white toast 400g", "袋", 1190, 2.0).r(Bread).t(B).life(7),
    it("", "现烤肉松面包", "Fresh pork-floss bun", "个", 650, 6.0).r(Bread).t(B).life(2),
    it("", "现烤菠萝包", "Fresh pineapple bun", "个", 550, 4.0).r(Bread).t(B).life(2),
    it("", "现烤牛角包", "Fresh croissant", "个", 600, 4.0).r(Bread).t(B).life(2),
    it("", "现烤红豆面包", "Fresh red-bean bun", "个", 550, 2.5).r(Bread).t(B).life(2),
    it("", "现烤奶酪包", "Fresh cheese bun", "个", 750, 2.5).r(Bread).t(B).life(2),
    it("", "全麦贝果", "Whole-wheat bagel", "个", 800, 1.5).r(Bread).t(B | H).life(2),
    it("", "法式长棍面包", "Baguette", "支", 990, 1.0).r(Bread).life(1),
    it("", "原味厚切吐司", "Thick-cut toast", "袋", 1290, 2.0).r(Bread).t(B),
    it("", "葡式蛋挞 4只装", "Portuguese egg tarts ×4", "盒", 1290, 2.0).t(F).life(2),
    it("", "毛毛虫面包", "Caterpillar cream bread", "袋", 990, 2.0).r(Bread).t(F),
    it("", "6寸鲜奶油生日蛋糕", "6-inch fresh-cream birthday cake", "盒", 12800, 0.3).t(F | G).life(1),
    it("沈大成", "沈大成艾草青团 6只装", "Shendacheng mugwort qingtuan ×6", "盒", 3000, 0.15).t(G).life(3).fest(Holiday::Qingming),
    it("杏花楼", "杏花楼广式月饼礼盒", "Xinghualou Cantonese mooncake gift box", "盒", 16800, 0.1).t(G).life(60).fest(Holiday::MidAutumn),
    it("达利园", "达利园法式软面包 香奶味 400g", "Daliyuan French soft bread, milk 400g", "袋", 1290, 1.5).r(Bread).t(B).life(150),
    it("盼盼", "盼盼法式小面包 200g", "Panpan French mini bread 200g", "袋", 890, 1.5).r(Bread).t(B).life(150),
];

#[rustfmt::skip]
const FROZEN: &[Item] = &[
    it("思念", "思念猪肉白菜水饺 1kg", "Synear pork & cabbage dumplings 1kg", "袋", 2290, 2.0).r(Dumpling),
    it("湾仔码头", "湾仔码头玉米猪肉水饺 720g", "Wanchai Ferry pork & corn dumplings 720g", "袋", 3290, 1.5).r(Dumpling),
    it("湾仔码头", "湾仔码头荠菜猪肉大馄饨 400g", "Wanchai Ferry pork wontons 400g", "袋", 2590, 1.2).r(Dumpling),
    it("必品阁", "必品阁韩式泡菜王饺子 490g", "Bibigo kimchi dumplings 490g", "袋", 2990, 0.8).r(Dumpling),
    it("三全", "三全黑芝麻汤圆 500g", "Sanquan black-sesame tangyuan 500g", "袋", 1190, 0.4).t(COLD).fest(Holiday::SpringFestival),
    it("思念", "思念花生汤圆 500g", "Synear peanut tangyuan 500g", "袋", 1190, 0.3).t(COLD).fest(Holiday::SpringFestival),
    it("三全", "三全灌汤小笼包 450g", "Sanquan soup dumplings 450g", "袋", 1590, 1.0).t(B),
    it("粮全其美", "粮全其美原味手抓饼 900g", "Liangquan hand-pulled pancakes 900g", "袋", 1990, 1.2).t(B),
    it("广州酒家", "广州酒家利口福水晶虾饺 240g", "Guangzhou Restaurant shrimp har gow 240g", "袋", 2590, 0.6).t(B),
    it("安井", "安井鱼丸 400g", "Anjoy fish balls 400g", "袋", 1290, 1.2).r(HotpotItem).t(COLD),
    it("安井", "安井撒尿肉丸 400g", "Anjoy juicy meatballs 400g", "袋", 1690, 1.0).r(HotpotItem).t(COLD),
    it("安井", "安井蟹味棒 250g", "Anjoy crab sticks 250g", "袋", 990, 0.8).r(HotpotItem).t(COLD),
    it("安井", "安井小酥肉 1kg", "Anjoy crispy pork 1kg", "袋", 3990, 0.6).r(HotpotItem).t(COLD),
    it("国联", "国联冻虾仁 250g", "Guolian frozen shrimp 250g", "袋", 3490, 0.6),
    it("正大", "正大黑椒鸡排 500g", "CP black-pepper chicken steak 500g", "袋", 2990, 0.6).t(N),
    it("光明", "光明冰砖经典香草 115g", "Bright vanilla ice-cream brick 115g", "盒", 450, 3.0).t(ICE | N).life(720),
    it("光明", "光明白雪红豆冰棍 70g", "Bright red-bean ice lolly 70g", "支", 250, 3.0).t(ICE).life(720),
    it("和路雪", "和路雪梦龙香草口味 64g", "Magnum vanilla 64g", "支", 1200, 1.5).t(ICE | N).life(720),
    it("和路雪", "和路雪可爱多草莓口味 67g", "Cornetto strawberry 67g", "支", 600, 2.0).t(ICE | F).life(720),
    it("伊利", "伊利巧乐兹经典巧脆棒 75g", "Yili Choco Crispy bar 75g", "支", 400, 3.0).t(ICE | N).life(720),
    it("伊利", "伊利冰工厂山楂冰 80g", "Yili Ice Factory hawthorn ice 80g", "支", 200, 2.0).t(ICE).life(720),
    it("蒙牛", "蒙牛随变经典香草 75g", "Mengniu Suibian vanilla 75g", "支", 450, 1.5).t(ICE).life(720),
    it("伊利", "伊利巧乐兹家庭装 6支", "Yili Choco Crispy family pack ×6", "盒", 2490, 0.8).t(ICE | F).life(720),
    it("钟薛高", "钟薛高特牛乳 78g", "Chicecream milk 78g", "支", 1300, 0.4).t(ICE).life(720),
    it("八喜", "八喜香草冰淇淋 550g", "Bax vanilla ice cream 550g", "桶", 3990, 0.5).t(ICE | F).life(720),
];

#[rustfmt::skip]
const READY_MEALS: &[Item] = &[
    it("", "金枪鱼饭团", "Tuna rice ball", "个", 690, 4.0).t(B),
    it("", "鸡蛋火腿三明治", "Egg & ham sandwich", "个", 890, 4.0).r(Bread).t(B),
    it("", "红烧肉便当", "Braised pork bento", "盒", 1990, 3.0),
    it("", "宫保鸡丁便当", "Kung pao chicken bento", "盒", 1790, 3.0),
    it("", "番茄牛腩便当", "Tomato beef brisket bento", "盒", 2290, 2.0),
    it("", "鲜肉大包", "Pork bun", "个", 350, 12.0).t(B).life(2),
    it("", "香菇青菜包", "Mushroom & greens bun", "个", 250, 5.0).t(B).life(2),
    it("", "糯米烧卖", "Sticky-rice shaomai", "个", 300, 4.0).t(B).life(2),
    it("", "茶叶蛋", "Tea egg", "个", 200, 6.0).t(B),
    it("", "关东煮 5串", "Oden, 5 skewers", "盒", 1200, 3.0).t(COLD | N),
    it("", "鸡胸肉轻食沙拉", "Chicken breast salad", "盒", 2290, 2.0).t(H),
    it("", "上海冷面", "Shanghai cold noodles", "盒", 1290, 2.0).t(HOT),
    it("", "三文鱼寿司拼盘", "Salmon sushi platter", "盒", 2490, 1.0).t(N),
];

#[rustfmt::skip]
const DRINKS: &[Item] = &[
    it("农夫山泉", "农夫山泉饮用天然水 550ml", "Nongfu Spring water 550ml", "瓶", 200, 40.0).t(HOT),
    it("农夫山泉", "农夫山泉饮用天然水 4L", "Nongfu Spring water 4L", "桶", 950, 3.0).t(E),
    it("农夫山泉", "农夫山泉饮用天然水 550ml×24", "Nongfu Spring water 550ml ×24", "箱", 3590, 0.8).t(E | HOT),
    it("怡宝", "怡宝纯净水 555ml", "C'estbon purified water 555ml", "瓶", 200, 10.0).t(HOT),
    it("百岁山", "百岁山天然矿泉水 570ml", "Ganten mineral water 570ml", "瓶", 300, 4.0).t(HOT),
    it("可口可乐", "可口可乐 330ml", "Coca-Cola 330ml can", "罐", 300, 12.0).r(Cola).t(HOT | N),
    it("可口可乐", "可口可乐 500ml", "Coca-Cola 500ml", "瓶", 350, 18.0).r(Cola).t(HOT),
    it("可口可乐", "可口可乐 2L", "Coca-Cola 2L", "瓶", 850, 2.0).r(Cola).t(F),
    it("可口可乐", "零度可口可乐 330ml", "Coca-Cola Zero 330ml can", "罐", 300, 3.0).r(Cola).t(H),
    it("百事", "百事可乐 500ml", "Pepsi 500ml", "瓶", 350, 5.0).r(Cola).t(HOT),
    it("雪碧", "雪碧 500ml", "Sprite 500ml", "瓶", 350, 5.0).r(Cola).t(HOT),
    it("芬达", "芬达橙味汽水 500ml", "Fanta orange 500ml", "瓶", 350, 2.0).t(HOT | F),
    it("元气森林", "元气森林白桃味苏打气泡水 480ml", "Genki Forest white-peach sparkling water 480ml", "瓶", 550, 6.0).t(HOT | H),
    it("元气森林", "元气森林外星人电解质水 500ml", "Alienergy electrolyte water 500ml", "瓶", 550, 3.0).t(HOT),
    it("康师傅", "康师傅冰红茶 500ml", "Master Kong iced black tea 500ml", "瓶", 300, 8.0).t(HOT),
    it("康师傅", "康师傅冰红茶 1L", "Master Kong iced black tea 1L", "瓶", 500, 1.5).t(HOT | F),
    it("康师傅", "康师傅绿茶 500ml", "Master Kong green tea 500ml", "瓶", 300, 4.0).t(HOT),
    it("康师傅", "康师傅冰糖雪梨 500ml", "Master Kong rock-sugar pear drink 500ml", "瓶", 350, 3.0),
    it("统一", "统一阿萨姆奶茶 500ml", "Uni-President Assam milk tea 500ml", "瓶", 450, 4.0).t(COLD),
    it("统一", "统一小茗同学冷泡茶 480ml", "Uni-President cold-brew tea 480ml", "瓶", 500, 2.0).t(HOT),
    it("王老吉", "王老吉凉茶 310ml", "Wong Lo Kat herbal tea 310ml", "罐", 400, 4.0).t(HOT | N),
    it("王老吉", "王老吉凉茶 310ml×12", "Wong Lo Kat herbal tea 310ml ×12", "箱", 4290, 0.5).t(G),
    it("加多宝", "加多宝凉茶 310ml", "JDB herbal tea 310ml", "罐", 400, 2.0).t(HOT),
    it("红牛", "红牛维生素功能饮料 250ml", "Red Bull 250ml", "罐", 600, 4.0).t(N),
    it("东鹏", "东鹏特饮 500ml", "Eastroc energy drink 500ml", "瓶", 500, 4.0).t(N | HOT),
    it("脉动", "脉动青柠味 600ml", "Mizone lime 600ml", "瓶", 450, 4.0).t(HOT),
    it("宝矿力水特", "宝矿力水特 500ml", "Pocari Sweat 500ml", "瓶", 550, 1.5).t(HOT),
    it("维他奶", "维他奶原味豆奶 250ml", "Vitasoy soy milk 250ml", "盒", 350, 5.0).t(B),
    it("维他", "维他柠檬茶 250ml", "Vita lemon tea 250ml", "盒", 350, 4.0).t(HOT),
    it("娃哈哈", "娃哈哈营养快线 500g", "Wahaha Nutri-Express 500g", "瓶", 500, 2.5).t(B),
    it("农夫山泉", "农夫山泉东方树叶茉莉花茶 500ml", "Nongfu Oriental Leaf jasmine tea 500ml", "瓶", 550, 4.0).t(H | HOT),
    it("农夫山泉", "农夫山泉NFC橙汁 300ml", "Nongfu NFC orange juice 300ml", "瓶", 890, 2.0).t(H | B).life(120),
    it("汇源", "汇源100%橙汁 1L", "Huiyuan 100% orange juice 1L", "盒", 1290, 1.5).t(F | HOL),
    it("椰树", "椰树椰汁 245ml", "Coconut Palm coconut milk 245ml", "罐", 450, 2.0).t(HOL),
    it("六个核桃", "六个核桃 240ml×12", "Yangyuan walnut milk 240ml ×12", "箱", 5990, 0.6).t(G),
    it("雀巢", "雀巢咖啡丝滑拿铁 268ml", "Nescafé silky latte 268ml", "瓶", 650, 4.0).t(B),
    it("三得利", "三得利无糖乌龙茶 500ml", "Suntory sugar-free oolong 500ml", "瓶", 550, 3.0).t(H),
    it("健力宝", "健力宝橙蜜味 330ml", "Jianlibao orange honey 330ml", "罐", 300, 1.0),
    it("星巴克", "星巴克星冰乐咖啡 281ml", "Starbucks Frappuccino 281ml", "瓶", 1200, 1.0).t(B),
];

#[rustfmt::skip]
const LIQUOR: &[Item] = &[
    it("青岛", "青岛啤酒经典 500ml", "Tsingtao Classic 500ml", "罐", 650, 8.0).r(Beer).t(HOT | N).life(365),
    it("青岛", "青岛啤酒纯生 500ml", "Tsingtao Draft 500ml", "罐", 790, 3.0).r(Beer).t(HOT | N).life(365),
    it("青岛", "青岛啤酒经典 500ml×12", "Tsingtao Classic 500ml ×12", "箱", 6990, 0.5).r(Beer).t(G | HOT).life(365),
    it("雪花", "雪花勇闯天涯 500ml", "Snow Brave the World 500ml", "罐", 550, 4.0).r(Beer).t(HOT | N).life(365),
    it("百威", "百威啤酒 500ml", "Budweiser 500ml", "罐", 750, 3.0).r(Beer).t(HOT | N).life(365),
    it("哈尔滨", "哈尔滨冰纯啤酒 500ml", "Harbin Ice 500ml", "罐", 550, 2.0).r(Beer).t(HOT).life(365),
    it("三得利", "三得利清爽啤酒 330ml", "Suntory light beer 330ml", "罐", 450, 3.0).r(Beer).t(HOT).life(365),
    it("乌苏", "乌苏啤酒 620ml", "Wusu beer 620ml", "瓶", 950, 1.5).r(Beer).t(N).life(365),
    it("RIO", "RIO锐澳微醺鸡尾酒 白桃 330ml", "RIO cocktail, white peach 330ml", "罐", 690, 2.0).t(N).life(365),
    it("五粮液", "五粮液第八代 52度 500ml", "Wuliangye 52% 500ml", "瓶", 109900, 0.1).t(G),
    it("泸州老窖", "泸州老窖特曲 52度 500ml", "Luzhou Laojiao Tequ 52% 500ml", "瓶", 29900, 0.1).t(G),
    it("洋河", "洋河海之蓝 42度 520ml", "Yanghe Ocean Blue 42% 520ml", "瓶", 14900, 0.3).t(G),
    it("牛栏山", "牛栏山陈酿 42度 500ml", "Niulanshan Chenniang 42% 500ml", "瓶", 1590, 1.0).t(N),
    it("红星", "红星二锅头 56度 500ml", "Red Star Erguotou 56% 500ml", "瓶", 1890, 0.6),
    it("江小白", "江小白表达瓶 40度 100ml", "Jiangxiaobai 40% 100ml", "瓶", 2290, 0.5).t(N),
    it("古越龙山", "古越龙山五年陈花雕酒 500ml", "Guyuelongshan 5-year Huadiao 500ml", "瓶", 2590, 0.8).t(COLD),
    it("石库门", "石库门上海老酒红标 500ml", "Shikumen Shanghai yellow wine, red label 500ml", "瓶", 3290, 0.8).t(COLD | G),
    it("和酒", "和酒五年陈 500ml", "Hejiu 5-year yellow wine 500ml", "瓶", 2490, 0.8).t(COLD),
    it("会稽山", "会稽山纯正五年 500ml", "Kuaijishan 5-year yellow wine 500ml", "瓶", 2290, 0.5).t(COLD),
    it("张裕", "张裕解百纳干红葡萄酒 750ml", "Changyu Cabernet Gernischt 750ml", "瓶", 8900, 0.2).t(G),
    it("长城", "长城干红葡萄酒 750ml", "Great Wall dry red 750ml", "瓶", 6900, 0.2).t(G),
];

#[rustfmt::skip]
const SNACKS: &[Item] = &[
    it("乐事", "乐事原味薯片 75g", "Lay's classic 75g", "袋", 750, 5.0).r(Chips).t(N),
    it("乐事", "乐事黄瓜味薯片 75g", "Lay's cucumber 75g", "袋", 750, 3.0).r(Chips).t(N),
    it("乐事", "乐事意大利红烩味薯片 75g", "Lay's Italian red meat 75g", "袋", 750, 2.0).r(Chips),
    it("可比克", "可比克番茄味薯片 105g", "Copico tomato chips 105g", "罐", 990, 1.0).r(Chips),
    it("上好佳", "上好佳鲜虾片 80g", "Oishi prawn crackers 80g", "袋", 550, 1.5).r(Chips).t(F),
    it("洽洽", "洽洽香瓜子 308g", "ChaCha sunflower seeds 308g", "袋", 1290, 2.0).r(BeerSnack).t(HOL),
    it("洽洽", "洽洽小黄袋每日坚果 26g×7", "ChaCha daily nuts 26g ×7", "盒", 3990, 1.0).t(H),
    it("三只松鼠", "三只松鼠每日坚果礼盒 750g", "Three Squirrels daily nuts gift box 750g", "盒", 12900, 0.3).t(G | H),
    it("三只松鼠", "三只松鼠夏威夷果 160g", "Three Squirrels macadamias 160g", "袋", 2490, 0.8),
    it("良品铺子", "良品铺子猪肉脯 200g", "Bestore pork jerky 200g", "袋", 2590, 0.8).r(BeerSnack),
    it("酒鬼", "酒鬼花生 138g", "Jiugui spicy peanuts 138g", "袋", 690, 2.5).r(BeerSnack).t(N),
    it("周黑鸭", "周黑鸭锁鲜鸭脖 200g", "Zhou Hei Ya duck necks 200g", "盒", 2990, 1.5).r(BeerSnack).t(N).life(10),
    it("王小卤", "王小卤虎皮凤爪 200g", "Wangxiaolu braised chicken feet 200g", "袋", 2990, 1.0).r(BeerSnack).t(N),
    it("卫龙", "卫龙大面筋 102g", "Weilong spicy gluten strips 102g", "袋", 550, 3.0).t(N),
    it("卫龙", "卫龙魔芋爽香辣味 180g", "Weilong konjac strips, spicy 180g", "袋", 1290, 1.5).t(N),
    it("旺旺", "旺旺雪饼 84g", "Want Want snow rice crackers 84g", "袋", 650, 2.0).t(F),
    it("旺旺", "旺旺仙贝 52g", "Want Want senbei 52g", "袋", 450, 1.5).t(F),
    it("旺旺", "旺旺大礼包 520g", "Want Want gift pack 520g", "袋", 5990, 0.3).t(G | F),
    it("徐福记", "徐福记酥心糖 500g", "Hsu Fu Chi crispy candy 500g", "袋", 2990, 0.2).t(G).fest(Holiday::SpringFestival),
    it("大白兔", "大白兔奶糖 227g", "White Rabbit creamy candy 227g", "袋", 1590, 1.0).t(F | HOL),
    it("德芙", "德芙丝滑牛奶巧克力 43g", "Dove milk chocolate 43g", "个", 690, 2.0).t(N),
    it("德芙", "德芙心语巧克力礼盒 220g", "Dove chocolate gift box 220g", "盒", 8900, 0.2).t(G),
    it("士力架", "士力架花生夹心巧克力 51g", "Snickers 51g", "支", 450, 2.0).t(N),
    it("奥利奥", "奥利奥原味夹心饼干 97g", "Oreo original 97g", "盒", 650, 2.0).t(F),
    it("好丽友", "好丽友巧克力派 6枚", "Orion Choco Pie ×6", "盒", 1290, 1.5).t(F | B),
    it("达利园", "达利园蛋黄派 8枚", "Daliyuan egg-yolk pie ×8", "盒", 1290, 1.5).t(B),
    it("康师傅", "康师傅3+2苏打夹心饼干 125g", "Master Kong 3+2 soda crackers 125g", "包", 450, 1.2),
    it("旺仔", "旺仔QQ糖 20g", "Want Want QQ gummies 20g", "包", 200, 2.0).t(F),
    it("阿尔卑斯", "阿尔卑斯棒棒糖", "Alpenliebe lollipop", "支", 100, 2.0).t(F),
    it("绿箭", "绿箭口香糖 5片", "Doublemint gum ×5", "包", 250, 2.0),
    it("益达", "益达木糖醇口香糖 40粒", "Extra xylitol gum ×40", "瓶", 1290, 1.0),
    it("甘源", "甘源蟹黄味瓜子仁 285g", "Ganyuan crab-roe sunflower kernels 285g", "袋", 1590, 0.8).r(BeerSnack),
    it("稻香村", "稻香村糕点礼盒 1kg", "Daoxiangcun pastry gift box 1kg", "盒", 9900, 0.2).t(G).life(90),
    it("来伊份", "来伊份芒果干 100g", "Laiyifen dried mango 100g", "袋", 1290, 1.0).t(H),
    it("来伊份", "来伊份五香牛肉 150g", "Laiyifen spiced beef 150g", "袋", 3290, 0.6).r(BeerSnack),
    it("溜溜梅", "溜溜梅青梅 160g", "Liuliumei green plums 160g", "袋", 990, 1.0),
    it("百草味", "百草味碧根果 210g", "Be&Cheery pecans 210g", "袋", 2990, 0.5).t(HOL),
    it("", "散称开心果", "Pistachios, loose", "kg", 9800, 0.8).g(350).t(HOL),
    it("", "散称五香瓜子", "Spiced sunflower seeds, loose", "kg", 2990, 1.5).g(400).r(BeerSnack).t(N),
    it("", "散称牛肉干", "Beef jerky, loose", "kg", 15800, 0.5).g(300).r(BeerSnack),
    it("", "散称话梅", "Dried plums, loose", "kg", 5980, 0.5).g(300),
    it("", "散称什锦糖果", "Assorted candies, loose", "kg", 3980, 0.6).g(400).t(HOL),
    it("", "散称临安山核桃", "Lin'an hickory nuts, loose", "kg", 11800, 0.3).g(350).t(G),
    it("", "散称多味花生", "Spiced peanuts, loose", "kg", 2590, 0.8).g(400).r(BeerSnack),
];

#[rustfmt::skip]
const GRAIN_OIL: &[Item] = &[
    it("十月稻田", "十月稻田五常大米 5kg", "Shiyuedaotian Wuchang rice 5kg", "袋", 6990, 1.0).t(HOL),
    it("金龙鱼", "金龙鱼东北大米 5kg", "Arawana northeast rice 5kg", "袋", 3990, 1.2).t(E),
    it("福临门", "福临门泰国茉莉香米 5kg", "Fortune Thai jasmine rice 5kg", "袋", 5990, 0.6),
    it("", "崇明大米（散称）", "Chongming rice, loose", "kg", 698, 1.5).g(1200),
    it("", "黄小米（散称）", "Yellow millet, loose", "kg", 1598, 0.6).g(500).t(H),
    it("燕之坊", "燕之坊五谷杂粮 1kg", "Yanzhifang mixed grains 1kg", "袋", 1990, 0.6).t(H),
    it("燕之坊", "燕之坊圆糯米 1kg", "Yanzhifang glutinous rice 1kg", "袋", 1290, 0.5).t(HOL),
    it("燕之坊", "燕之坊红豆 400g", "Yanzhifang red beans 400g", "袋", 890, 0.4),
    it("金龙鱼", "金龙鱼黄金比例食用调和油 5L", "Arawana blended cooking oil 5L", "桶", 6990, 0.8).t(G),
    it("鲁花", "鲁花5S压榨一级花生油 5L", "Luhua 5S pressed peanut oil 5L", "桶", 15990, 0.4).t(G),
    it("福临门", "福临门非转基因大豆油 1.8L", "Fortune non-GMO soybean oil 1.8L", "桶", 2590, 1.0),
    it("金龙鱼", "金龙鱼玉米油 900ml", "Arawana corn oil 900ml", "瓶", 1990, 0.8),
    it("胡姬花", "胡姬花古法花生油 900ml", "Hujihua peanut oil 900ml", "瓶", 3990, 0.5),
    it("香满园", "香满园饺子粉 2.5kg", "Xiangmanyuan dumpling flour 2.5kg", "袋", 1890, 0.5),
    it("金龙鱼", "金龙鱼高筋小麦粉 1kg", "Arawana bread flour 1kg", "袋", 990, 0.4),
    it("陈克明", "陈克明鸡蛋挂面 1kg", "Chen Keming egg noodles 1kg", "袋", 1090, 1.5),
    it("金沙河", "金沙河龙须挂面 1kg", "Jinshahe fine noodles 1kg", "袋", 890, 1.2),
    it("", "鲜切面 500g", "Fresh-cut noodles 500g", "袋", 300, 3.0).t(B).life(3),
];

#[rustfmt::skip]
const CONDIMENTS: &[Item] = &[
    it("海天", "海天生抽 500ml", "Haday light soy sauce 500ml", "瓶", 790, 3.0),
    it("海天", "海天草菇老抽 500ml", "Haday mushroom dark soy sauce 500ml", "瓶", 890, 1.5),
    it("海天", "海天味极鲜酱油 1.28L", "Haday Weijixian soy sauce 1.28L", "瓶", 1990, 1.2),
    it("海天", "海天古道料酒 450ml", "Haday cooking wine 450ml", "瓶", 590, 1.2),
    it("海天", "海天黄豆酱 800g", "Haday soybean paste 800g", "瓶", 990, 0.5),
    it("李锦记", "李锦记旧庄特级蚝油 510g", "Lee Kum Kee premium oyster sauce 510g", "瓶", 1290, 1.5),
    it("李锦记", "李锦记薄盐生抽 500ml", "Lee Kum Kee less-salt soy sauce 500ml", "瓶", 1090, 0.6),
    it("千禾", "千禾零添加酱油 1L", "Qianhe additive-free soy sauce 1L", "瓶", 2290, 0.8).t(H),
    it("欣和", "欣和六月鲜特级酱油 500ml", "Shinho Liuyuexian soy sauce 500ml", "瓶", 1590, 0.5),
    it("老恒和", "老恒和五年陈料酒 500ml", "Laohenghe 5-year cooking wine 500ml", "瓶", 1290, 0.5),
    it("老干妈", "老干妈风味豆豉油制辣椒 280g", "Lao Gan Ma chilli crisp 280g", "瓶", 1050, 2.0),
    it("恒顺", "恒顺镇江香醋 500ml", "Hengshun Zhenjiang vinegar 500ml", "瓶", 790, 1.5).r(Vinegar),
    it("恒顺", "恒顺饺子醋 245ml", "Hengshun dumpling vinegar 245ml", "瓶", 450, 1.0).r(Vinegar),
    it("太太乐", "太太乐鸡精 200g", "Totole chicken bouillon 200g", "袋", 990, 1.2),
    it("莲花", "莲花味精 400g", "Lotus MSG 400g", "袋", 990, 0.5),
    it("中盐", "中盐加碘精制盐 400g", "China Salt iodised salt 400g", "袋", 250, 2.0).keeps(),
    it("太古", "太古优级白砂糖 454g", "Taikoo white sugar 454g", "包", 790, 0.8),
    it("太古", "太古冰糖 350g", "Taikoo rock sugar 350g", "包", 690, 0.4),
    it("王守义", "王守义十三香 45g", "Wangshouyi thirteen-spice 45g", "盒", 550, 0.6),
    it("王守义", "王守义白胡椒粉 35g", "Wangshouyi white pepper 35g", "袋", 690, 0.4),
    it("鹃城", "鹃城牌郫县豆瓣酱 500g", "Juancheng Pixian bean paste 500g", "袋", 1190, 0.6).t(COLD),
    it("亨氏", "亨氏番茄酱 320g", "Heinz ketchup 320g", "瓶", 1090, 0.6).t(F),
    it("金龙鱼", "金龙鱼芝麻香油 220ml", "Arawana sesame oil 220ml", "瓶", 1690, 0.8),
    it("海底捞", "海底捞牛油火锅底料 150g", "Haidilao beef-tallow hot pot base 150g", "袋", 1190, 1.5).r(HotpotBase).t(COLD),
    it("海底捞", "海底捞番茄火锅底料 200g", "Haidilao tomato hot pot base 200g", "袋", 1290, 1.0).r(HotpotBase).t(COLD),
    it("小肥羊", "小肥羊清汤火锅底料 110g", "Little Sheep clear hot pot base 110g", "袋", 990, 0.8).r(HotpotBase).t(COLD),
    it("海底捞", "海底捞香辣蘸料 100g", "Haidilao spicy dipping sauce 100g", "袋", 350, 1.0).r(HotpotItem).t(COLD),
];

#[rustfmt::skip]
const INSTANT: &[Item] = &[
    it("康师傅", "康师傅红烧牛肉面 袋装", "Master Kong braised beef noodles, pack", "袋", 350, 6.0).r(Noodle).t(N),
    it("康师傅", "康师傅红烧牛肉面 5连包", "Master Kong braised beef noodles ×5", "包", 1590, 2.0).r(Noodle),
    it("康师傅", "康师傅红烧牛肉面 桶装", "Master Kong braised beef noodles, cup", "桶", 500, 5.0).r(Noodle).t(N),
    it("康师傅", "康师傅老坛酸菜牛肉面 桶装", "Master Kong pickled-cabbage beef noodles, cup", "桶", 500, 3.0).r(Noodle).t(N),
    it("康师傅", "康师傅鲜虾鱼板面 桶装", "Master Kong shrimp noodles, cup", "桶", 500, 1.5).r(Noodle),
    it("统一", "统一老坛酸菜牛肉面 桶装", "Uni-President pickled-cabbage beef noodles, cup", "桶", 500, 3.0).r(Noodle).t(N),
    it("统一", "统一汤达人日式豚骨拉面 桶装", "Uni-President Tangdaren tonkotsu ramen, cup", "桶", 750, 2.0).r(Noodle),
    it("今麦郎", "今麦郎一桶半红烧牛肉面", "Jinmailang braised beef noodles, large cup", "桶", 450, 1.5).r(Noodle),
    it("白象", "白象汤好喝老母鸡汤面 桶装", "Baixiang hen-soup noodles, cup", "桶", 550, 1.5).r(Noodle),
    it("日清", "日清合味道海鲜风味杯面 84g", "Nissin Cup Noodles seafood 84g", "桶", 650, 1.5).r(Noodle).t(N),
    it("农心", "农心辛拉面 120g", "Nongshim Shin Ramyun 120g", "袋", 650, 1.5).r(Noodle),
    it("双汇", "双汇王中王火腿肠 40g×10", "Shuanghui Wangzhongwang ham sausages 40g ×10", "袋", 1290, 3.0).r(NoodleSide).t(E),
    it("双汇", "双汇玉米热狗肠 40g×8", "Shuanghui corn hot-dog sausages 40g ×8", "袋", 990, 1.5).r(NoodleSide).t(F),
    it("金锣", "金锣无淀粉火腿肠 30g×9", "Jinluo starch-free ham sausages 30g ×9", "袋", 890, 1.5).r(NoodleSide),
    it("乌江", "乌江涪陵榨菜 80g", "Wujiang Fuling pickled mustard 80g", "袋", 250, 3.0).r(NoodleSide).t(B),
    it("梅林", "梅林午餐肉罐头 340g", "Maling luncheon meat 340g", "罐", 1890, 1.0).r(NoodleSide).t(E).life(1080),
    it("自嗨锅", "自嗨锅麻辣牛肉自热火锅", "Zihaiguo self-heating spicy beef hot pot", "盒", 3290, 1.0).t(N),
    it("海底捞", "海底捞番茄牛腩自热小火锅", "Haidilao self-heating tomato beef hot pot", "盒", 2990, 0.8).t(N),
    it("统一", "统一开小灶土豆煨牛肉自热米饭", "Uni-President self-heating beef rice", "盒", 2490, 0.8),
    it("好欢螺", "好欢螺螺蛳粉 400g", "Haohuanluo river-snail rice noodles 400g", "袋", 1590, 1.5).t(N),
    it("李子柒", "李子柒柳州螺蛳粉 335g", "Liziqi Liuzhou river-snail rice noodles 335g", "袋", 1590, 1.0).t(N),
    it("阿宽", "阿宽红油面皮 110g", "Akuan chilli-oil noodle sheets 110g", "袋", 590, 1.0),
    it("五芳斋", "五芳斋鲜肉粽 2只装", "Wufangzhai pork zongzi ×2", "袋", 1990, 0.2).t(G).life(270).fest(Holiday::DragonBoat),
    it("五芳斋", "五芳斋豆沙粽 2只装", "Wufangzhai red-bean zongzi ×2", "袋", 1590, 0.15).t(G).life(270).fest(Holiday::DragonBoat),
    it("娃哈哈", "娃哈哈桂圆莲子八宝粥 360g", "Wahaha eight-treasure congee 360g", "罐", 450, 1.5).t(B | E).life(540),
];

#[rustfmt::skip]
const BREWS: &[Item] = &[
    it("雀巢", "雀巢1+2原味速溶咖啡 15条", "Nescafé 1+2 original ×15", "盒", 2990, 0.8).t(B),
    it("三顿半", "三顿半超即溶咖啡 6颗", "Saturnbird instant coffee ×6", "盒", 3990, 0.5).t(B),
    it("桂格", "桂格即食燕麦片 1000g", "Quaker instant oats 1000g", "袋", 2590, 0.8).r(Cereal).t(B | H),
    it("西麦", "西麦纯燕麦片 1000g", "Seamild pure oats 1000g", "袋", 1990, 0.8).r(Cereal).t(B | H),
    it("卡乐比", "卡乐比富果乐水果麦片 700g", "Calbee Frugra 700g", "袋", 5990, 0.3).r(Cereal).t(B),
    it("立顿", "立顿黄牌精选红茶 25包", "Lipton Yellow Label tea ×25", "盒", 1890, 0.5).life(720),
    it("八马", "八马安溪铁观音礼盒 250g", "Bama Anxi Tieguanyin gift box 250g", "盒", 19800, 0.1).t(G).life(720),
    it("南方", "南方黑芝麻糊 600g", "Nanfang black sesame paste 600g", "袋", 1990, 0.5).t(B | COLD),
    it("方家铺子", "方家铺子红糖姜茶 12条", "Fangjia brown-sugar ginger tea ×12", "盒", 2590, 0.6).t(COLD),
    it("永和", "永和豆浆粉 350g", "Yonghe soy milk powder 350g", "袋", 1990, 0.5).t(B),
    it("冠生园", "冠生园蜂蜜 500g", "Guanshengyuan honey 500g", "瓶", 2590, 0.5).t(H | HOL).life(720),
    it("香飘飘", "香飘飘原味奶茶 80g", "Xiangpiaopiao milk tea 80g", "个", 450, 1.0).t(COLD),
    it("伊利", "伊利中老年高钙奶粉 900g", "Yili senior high-calcium milk powder 900g", "罐", 9900, 0.3).t(G).life(540),
    it("福事多", "福事多蜂蜜柚子茶 1kg", "Fushiduo honey citron tea 1kg", "瓶", 3990, 0.4).t(COLD),
];

#[rustfmt::skip]
const HOUSEHOLD: &[Item] = &[
    it("天堂", "天堂三折晴雨伞", "Paradise three-fold umbrella", "把", 3990, 0.8).t(UMB | E),
    it("天堂", "天堂长柄自动伞", "Paradise long automatic umbrella", "把", 5990, 0.4).t(UMB),
    it("", "透明长柄雨伞", "Clear long umbrella", "把", 1500, 0.6).t(UMB),
    it("美丽雅", "美丽雅加厚垃圾袋 45×50cm 100只", "Maryya heavy bin bags ×100", "包", 990, 2.0),
    it("妙洁", "妙洁点断式保鲜膜 30m", "Miaojie cling film 30m", "盒", 1290, 0.8),
    it("妙洁", "妙洁保鲜袋 中号 100只", "Miaojie food bags, medium ×100", "包", 890, 0.6),
    it("妙洁", "妙洁家务手套 中号", "Miaojie household gloves, M", "包", 990, 0.4),
    it("3M", "3M思高百洁布 3片", "3M Scotch-Brite scourers ×3", "包", 990, 0.5),
    it("", "一次性竹筷 100双", "Disposable bamboo chopsticks ×100", "包", 890, 0.5),
    it("", "一次性纸杯 50只", "Paper cups ×50", "包", 690, 0.5).t(HOL),
    it("双枪", "双枪合金筷 10双", "Shuangqiang alloy chopsticks ×10", "包", 2990, 0.2),
    it("乐扣乐扣", "乐扣乐扣玻璃保鲜盒 1L", "Lock&Lock glass container 1L", "个", 3990, 0.2),
    it("榄菊", "榄菊蚊香 10盘", "Lanju mosquito coils ×10", "盒", 990, 0.8).t(HOT),
    it("雷达", "雷达电蚊香液 无味 2瓶", "Raid mosquito repellent liquid ×2", "盒", 2990, 0.6).t(HOT),
    it("", "艾草暖宝宝 10片", "Mugwort heat patches ×10", "包", 1290, 0.8).t(COLD),
    it("", "注水热水袋", "Hot-water bottle", "个", 2590, 0.3).t(COLD),
    it("", "塑料衣架 10只", "Plastic hangers ×10", "包", 1290, 0.3),
    it("欧普", "欧普LED灯泡 9W", "Opple LED bulb 9W", "个", 1290, 0.3),
];

#[rustfmt::skip]
const CLEANING: &[Item] = &[
    it("蓝月亮", "蓝月亮深层洁净洗衣液 3kg", "Bluemoon deep-clean laundry liquid 3kg", "瓶", 5990, 0.6),
    it("蓝月亮", "蓝月亮洁厕液 600g", "Bluemoon toilet cleaner 600g", "瓶", 990, 0.5),
    it("立白", "立白洗洁精 1kg", "Liby dish soap 1kg", "瓶", 990, 1.2),
    it("白猫", "白猫经典洗洁精 1.5kg", "White Cat dish soap 1.5kg", "瓶", 1290, 0.8),
    it("奥妙", "奥妙全自动洗衣粉 1.7kg", "OMO washing powder 1.7kg", "袋", 2290, 0.4),
    it("超能", "超能洗衣皂 2块", "Chaoneng laundry soap ×2", "包", 690, 0.5),
    it("雕牌", "雕牌透明皂 2块", "Diao transparent soap ×2", "包", 590, 0.4),
    it("立白", "立白洗衣凝珠 30颗", "Liby laundry pods ×30", "盒", 3990, 0.3),
    it("威露士", "威露士衣物消毒液 1L", "Walch laundry sanitiser 1L", "瓶", 3990, 0.3).t(E),
    it("滴露", "滴露消毒液 750ml", "Dettol disinfectant 750ml", "瓶", 4990, 0.3).t(E),
    it("威猛先生", "威猛先生厨房重油污净 500g", "Mr Muscle kitchen degreaser 500g", "瓶", 2290, 0.4),
    it("威猛先生", "威猛先生管道疏通剂 960g", "Mr Muscle drain opener 960g", "瓶", 2990, 0.2).t(E),
    it("金纺", "金纺衣物护理剂 1kg", "Comfort fabric softener 1kg", "瓶", 2290, 0.3),
    it("妙洁", "妙洁平板拖把", "Miaojie flat mop", "把", 5990, 0.1),
];

#[rustfmt::skip]
const PERSONAL_CARE: &[Item] = &[
    it("舒肤佳", "舒肤佳纯白清香型香皂 100g", "Safeguard pure white soap 100g", "个", 450, 0.8),
    it("舒肤佳", "舒肤佳纯白清香沐浴露 720ml", "Safeguard body wash 720ml", "瓶", 3990, 0.4),
    it("海飞丝", "海飞丝去屑洗发水 400ml", "Head & Shoulders shampoo 400ml", "瓶", 4990, 0.4),
    it("飘柔", "飘柔家庭护理洗发露 750ml", "Rejoice family shampoo 750ml", "瓶", 3990, 0.3),
    it("云南白药", "云南白药牙膏 薄荷清爽 120g", "Yunnan Baiyao toothpaste, mint 120g", "支", 2990, 0.5),
    it("高露洁", "高露洁全面防蛀牙膏 90g", "Colgate cavity protection 90g", "支", 990, 0.6),
    it("好来", "好来双重薄荷牙膏 140g", "DARLIE double mint toothpaste 140g", "支", 1590, 0.5),
    it("高露洁", "高露洁细毛软牙刷", "Colgate soft toothbrush", "支", 990, 0.5),
    it("六神", "六神花露水 195ml", "Liushen floral water 195ml", "瓶", 1290, 0.8).t(HOT),
    it("大宝", "大宝SOD蜜 200ml", "Dabao SOD lotion 200ml", "瓶", 1590, 0.4).t(COLD),
    it("曼秀雷敦", "曼秀雷敦薄荷润唇膏", "Mentholatum mint lip balm", "支", 2590, 0.4).t(COLD),
    it("护舒宝", "护舒宝日用卫生巾 10片", "Whisper day pads ×10", "包", 1290, 0.8),
    it("苏菲", "苏菲超熟睡夜用卫生巾 8片", "Sofy night pads ×8", "包", 1590, 0.6),
    it("七度空间", "七度空间少女日用卫生巾 10片", "Space7 day pads ×10", "包", 1190, 0.4),
    it("吉列", "吉列锋速3手动剃须刀", "Gillette Mach3 razor", "把", 4990, 0.2),
    it("蓝月亮", "蓝月亮芦荟抑菌洗手液 500g", "Bluemoon aloe hand wash 500g", "瓶", 1690, 0.5).t(E),
    it("隆力奇", "隆力奇蛇油护手霜 50g", "Longrich snake-oil hand cream 50g", "支", 690, 0.4).t(COLD),
    it("洁丽雅", "洁丽雅纯棉毛巾", "Grace cotton towel", "件", 1590, 0.3),
];

#[rustfmt::skip]
const PAPER: &[Item] = &[
    it("维达", "维达超韧抽纸 3层130抽×6包", "Vinda tissues 130 sheets ×6", "包", 1990, 3.0),
    it("维达", "维达超韧抽纸 3层130抽 单包", "Vinda tissues 130 sheets, single", "包", 390, 1.0),
    it("清风", "清风原木纯品抽纸 3层120抽×6包", "Breeze tissues 120 sheets ×6", "包", 1790, 2.0),
    it("心相印", "心相印卷纸 4层×10卷", "Hearttex toilet rolls ×10", "包", 2490, 1.5),
    it("洁柔", "洁柔Face卷纸 4层×10卷", "C&S Face toilet rolls ×10", "包", 2690, 0.8),
    it("维达", "维达手帕纸 4层×18包", "Vinda pocket tissues ×18", "包", 990, 1.5),
    it("维达", "维达厨房纸巾 2卷", "Vinda kitchen towels ×2", "包", 1290, 0.5),
    it("清风", "清风湿巾 80片", "Breeze wet wipes ×80", "包", 990, 0.6),
    it("心相印", "心相印湿厕纸 40片", "Hearttex flushable wipes ×40", "包", 1190, 0.4),
    it("全棉时代", "全棉时代棉柔巾 100抽", "PurCotton cotton tissues ×100", "包", 2290, 0.6).t(F),
];

#[rustfmt::skip]
const STATIONERY: &[Item] = &[
    it("晨光", "晨光中性笔 0.5mm 黑色", "M&G gel pen 0.5mm, black", "支", 200, 1.5).t(F),
    it("晨光", "晨光中性笔 0.5mm 12支装", "M&G gel pens 0.5mm ×12", "盒", 2290, 0.3).t(F),
    it("晨光", "晨光2B考试铅笔 10支", "M&G 2B exam pencils ×10", "盒", 990, 0.3).t(F),
    it("晨光", "晨光学生橡皮", "M&G eraser", "个", 150, 0.5).t(F),
    it("晨光", "晨光作业本 16K 10本", "M&G exercise books ×10", "包", 990, 0.4).t(F),
    it("得力", "得力固体胶 21g", "Deli glue stick 21g", "支", 350, 0.5).t(F),
    it("得力", "得力A4复印纸 70g 500张", "Deli A4 copy paper ×500", "包", 2990, 0.3),
    it("得力", "得力透明胶带 18mm", "Deli clear tape 18mm", "个", 300, 0.5),
    it("得力", "得力学生剪刀", "Deli student scissors", "把", 590, 0.2).t(F),
    it("得力", "得力计算器", "Deli calculator", "个", 2990, 0.1),
    it("得力", "得力便利贴 76×76mm", "Deli sticky notes 76×76mm", "包", 390, 0.3),
];

#[rustfmt::skip]
const EMERGENCY: &[Item] = &[
    it("南孚", "南孚5号碱性电池 4粒", "Nanfu AA alkaline batteries ×4", "包", 1490, 1.2),
    it("南孚", "南孚7号碱性电池 4粒", "Nanfu AAA alkaline batteries ×4", "包", 1490, 0.8),
    it("雅格", "雅格LED充电手电筒", "Yage rechargeable LED torch", "个", 3990, 0.2).t(RAIN),
    it("雅格", "雅格LED应急灯", "Yage LED emergency lamp", "个", 5990, 0.1).t(RAIN),
    it("", "白蜡烛 6支", "White candles ×6", "包", 500, 0.2).t(RAIN),
    it("", "加厚一次性雨衣", "Heavy disposable raincoat", "件", 500, 0.6).t(UMB),
    it("云南白药", "云南白药创可贴 20片", "Yunnan Baiyao plasters ×20", "盒", 890, 0.6).t(F),
    it("海氏海诺", "海氏海诺75%医用酒精 500ml", "Hisun 75% medical alcohol 500ml", "瓶", 990, 0.4),
    it("海氏海诺", "海氏海诺碘伏消毒液 100ml", "Hisun povidone-iodine 100ml", "瓶", 890, 0.3),
    it("稳健", "稳健医用外科口罩 10只", "Winner surgical masks ×10", "包", 990, 0.8).t(COLD),
    it("鱼跃", "鱼跃电子体温计", "Yuwell digital thermometer", "支", 2990, 0.1).t(F),
    it("罗马仕", "罗马仕充电宝 10000mAh", "Romoss power bank 10000mAh", "个", 7990, 0.2),
    it("公牛", "公牛插线板 3米", "Bull power strip 3m", "个", 4990, 0.1),
    it("", "防风打火机", "Windproof lighter", "个", 300, 0.8).t(N),
    it("冰宝贴", "冰宝贴退热贴 4贴", "Bingbaotie cooling patches ×4", "盒", 2590, 0.2).t(F),
];

#[rustfmt::skip]
const BABY: &[Item] = &[
    it("飞鹤", "飞鹤星飞帆幼儿配方奶粉3段 700g", "Feihe Star Fei Fan formula, stage 3 700g", "罐", 25800, 0.4).life(720),
    it("君乐宝", "君乐宝乐铂幼儿配方奶粉3段 800g", "Junlebao Lebo formula, stage 3 800g", "罐", 19800, 0.2).life(720),
    it("伊利", "伊利金领冠幼儿配方奶粉3段 800g", "Yili Pro-Kido formula, stage 3 800g", "罐", 22800, 0.2).life(720),
    it("帮宝适", "帮宝适超薄干爽纸尿裤 L码 52片", "Pampers diapers L ×52", "包", 8990, 0.5).r(Diaper),
    it("好奇", "好奇金装纸尿裤 L码 40片", "Huggies Gold diapers L ×40", "包", 9990, 0.4).r(Diaper),
    it("好奇", "好奇心钻装拉拉裤 XL码 32片", "Huggies pull-ups XL ×32", "包", 12900, 0.2).r(Diaper),
    it("全棉时代", "全棉时代婴儿湿巾 80片", "PurCotton baby wipes ×80", "包", 1590, 0.8).r(Wipes),
    it("贝亲", "贝亲婴儿湿巾 80片×3", "Pigeon baby wipes 80 ×3", "包", 3990, 0.3).r(Wipes),
    it("亨氏", "亨氏原味婴儿米粉 225g", "Heinz baby rice cereal 225g", "盒", 3990, 0.3).life(540),
    it("英氏", "英氏多维营养米饼 50g", "Engnice baby rice crackers 50g", "盒", 2990, 0.4).life(365),
    it("小鹿蓝蓝", "小鹿蓝蓝宝宝手指饼干", "Bluenote baby finger biscuits", "盒", 2590, 0.3).life(365),
    it("贝亲", "贝亲宽口径玻璃奶瓶 240ml", "Pigeon wide-neck glass bottle 240ml", "个", 12900, 0.05),
    it("强生", "强生婴儿润肤露 100ml", "Johnson's baby lotion 100ml", "瓶", 2590, 0.2),
    it("全棉时代", "全棉时代婴儿棉签 200支", "PurCotton baby cotton buds ×200", "包", 1290, 0.2),
];

#[rustfmt::skip]
const PET: &[Item] = &[
    it("皇家", "皇家室内成猫粮 2kg", "Royal Canin indoor adult cat 2kg", "袋", 16800, 0.2).r(PetFood),
    it("皇家", "皇家小型犬成犬粮 2kg", "Royal Canin mini adult dog 2kg", "袋", 15800, 0.15).r(PetFood),
    it("伟嘉", "伟嘉成猫粮 海洋鱼味 1.3kg", "Whiskas adult cat, ocean fish 1.3kg", "袋", 4590, 0.4).r(PetFood),
    it("宝路", "宝路成犬粮 牛肉味 1.8kg", "Pedigree adult dog, beef 1.8kg", "袋", 5990, 0.25).r(PetFood),
    it("伟嘉", "伟嘉妙鲜包 吞拿鱼 85g", "Whiskas pouch, tuna 85g", "袋", 450, 1.0).r(PetSnack),
    it("麦富迪", "麦富迪金枪鱼猫罐头 170g", "Myfoodie tuna cat can 170g", "罐", 890, 0.6).r(PetSnack),
    it("麦富迪", "麦富迪鸡肉冻干 50g", "Myfoodie freeze-dried chicken 50g", "袋", 2990, 0.2).r(PetSnack),
    it("顽皮", "顽皮鸡肉干 100g", "Wanpy chicken jerky 100g", "袋", 1590, 0.3).r(PetSnack),
    it("", "原味豆腐猫砂 6L", "Tofu cat litter 6L", "袋", 2990, 0.3).keeps(),
    it("", "宠物尿垫 50片", "Pet pee pads ×50", "包", 3990, 0.1).keeps(),
];
