//! Markdowns (降价): the near-expiry ladder of a category and the floor under it.
//!
//! A ladder is steps of (days left, percent off): "3:20,1:50" takes 20% off from three
//! days before a lot's expiry day and 50% on its last day and the day before. Days left
//! count whole Asia/Shanghai days from today to the expiry day (0: it expires tonight).
//! The marked price is the regular price less the step's share, rounded down to the fen
//! (in the customer's favour), and never under the floor: `floor_cost_bp` of the unit
//! cost, rounded up (10000 = sell at cost at worst, 0 = anything goes). When the floor
//! leaves nothing off, there is no markdown.

use crate::money::{Money, Rounding};

/// Steps a ladder holds at most.
pub const STEPS_MAX: usize = 10;
/// Days before expiry a step may start at most.
pub const DAYS_LEFT_MAX: i64 = 60;
/// Floors above twice the cost make no sense for a clearance.
pub const FLOOR_COST_BP_MAX: i64 = 20_000;

/// One step: from `days_left` days before expiry, `off_bp` basis points off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub days_left: i64,
    pub off_bp: i64,
}

/// A category's near-expiry ladder, steps by days left, most days first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ladder {
    steps: Vec<Step>,
}

/// Why a ladder was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LadderError {
    #[error("write steps as days_left:percent_off pairs separated by commas, such as 3:20,1:50 (step {0})")]
    Syntax(usize),
    #[error("days left must be from 0 to {DAYS_LEFT_MAX} (step {0})")]
    DaysLeft(usize),
    #[error("percent off must be from 1 to 90 (step {0})")]
    Percent(usize),
    #[error("a ladder has 1 to {STEPS_MAX} steps")]
    Count,
    #[error("each step names its own number of days left, and fewer days left take more off")]
    Order,
}

impl LadderError {
    pub fn message_zh(&self) -> String {
        match self {
            LadderError::Syntax(i) => format!("请按“剩余天数:折扣百分比”填写并用逗号分隔，例如 3:20,1:50（第 {i} 档）"),
            LadderError::DaysLeft(i) => format!("剩余天数须在 0 到 {DAYS_LEFT_MAX} 之间（第 {i} 档）"),
            LadderError::Percent(i) => format!("折扣百分比须在 1 到 90 之间（第 {i} 档）"),
            LadderError::Count => format!("每个阶梯须有 1 到 {STEPS_MAX} 档"),
            LadderError::Order => "各档剩余天数不能重复，且剩余天数越少折扣越大".into(),
        }
    }
}

impl Ladder {
    /// Parses "3:20,1:50" (spaces allowed; steps numbered from 1 in errors).
    pub fn parse(text: &str) -> Result<Ladder, LadderError> {
        let mut steps = Vec::new();
        for (i, part) in text.split(',').enumerate() {
            let n = i + 1;
            let (d, p) = part.trim().split_once(':').ok_or(LadderError::Syntax(n))?;
            let days_left: i64 = d.trim().parse().map_err(|_| LadderError::Syntax(n))?;
            let percent: i64 = p.trim().parse().map_err(|_| LadderError::Syntax(n))?;
            if !(0..=DAYS_LEFT_MAX).contains(&days_left) {
                return Err(LadderError::DaysLeft(n));
            }
            if !(1..=90).contains(&percent) {
                return Err(LadderError::Percent(n));
            }
            steps.push(Step {
                days_left,
                off_bp: percent * 100,
            });
        }
        if steps.is_empty() || steps.len() > STEPS_MAX {
            return Err(LadderError::Count);
        }
        steps.sort_by_key(|s| std::cmp::Reverse(s.days_left));
        if steps
            .windows(2)
            .any(|w| w[0].days_left == w[1].days_left || w[0].off_bp >= w[1].off_bp)
        {
            return Err(LadderError::Order);
        }
        Ok(Ladder { steps })
    }

    /// The text the ladder parses from, most days first.
    pub fn text(&self) -> String {
        self.steps
            .iter()
            .map(|s| format!("{}:{}", s.days_left, s.off_bp / 100))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The most days before expiry any step starts.
    pub fn reach_days(&self) -> i64 {
        self.steps.first().map_or(0, |s| s.days_left)
    }

    /// The step a lot with `days_left` days to go is on: the one with the fewest days
    /// left still at or above them. None before the first step (or after expiry).
    pub fn step_for(&self, days_left: i64) -> Option<Step> {
        if days_left < 0 {
            return None;
        }
        self.steps.iter().rev().find(|s| s.days_left >= days_left).copied()
    }
}

/// A marked price: what the customer pays and how much that is off, in basis points of
/// the regular price (rounded down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marked {
    pub price: Money,
    pub off_bp: i64,
    /// The floor raised the price above the step's.
    pub floored: bool,
}

/// The price `off_bp` off `price`, held at the floor; None when nothing is left off.
pub fn mark_down(price: Money, cost: Money, off_bp: i64, floor_cost_bp: i64) -> Option<Marked> {
    if price.fen() <= 0 || off_bp <= 0 {
        return None;
    }
    let wanted = price.mul_ratio(10_000 - off_bp.min(10_000), 10_000, Rounding::Down);
    let floor = cost
        .max(Money::ZERO)
        .mul_ratio(floor_cost_bp.max(0), 10_000, Rounding::Up);
    let (marked, floored) = if wanted < floor { (floor, true) } else { (wanted, false) };
    // Never given away: at least a fen.
    let marked = marked.max(Money::from_fen(1));
    if marked >= price {
        return None;
    }
    let off = crate::money::div_round(
        i128::from(price.fen() - marked.fen()) * 10_000,
        i128::from(price.fen()),
        Rounding::Down,
    );
    Some(Marked {
        price: marked,
        off_bp: off,
        floored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ladder_parses_sorts_and_picks_the_step() {
        let l = Ladder::parse(" 1:50 , 3:20").unwrap();
        assert_eq!(l.text(), "3:20,1:50");
        assert_eq!(l.reach_days(), 3);
        assert_eq!(l.step_for(4), None);
        assert_eq!(l.step_for(3).unwrap().off_bp, 2000);
        assert_eq!(l.step_for(2).unwrap().off_bp, 2000);
        assert_eq!(l.step_for(1).unwrap().off_bp, 5000);
        assert_eq!(l.step_for(0).unwrap().off_bp, 5000);
        assert_eq!(l.step_for(-1), None);
    }

    #[test]
    fn bad_ladders_say_which_step() {
        assert_eq!(Ladder::parse("3-20"), Err(LadderError::Syntax(1)));
        assert_eq!(Ladder::parse("3:20,x:5"), Err(LadderError::Syntax(2)));
        assert_eq!(Ladder::parse("3:95"), Err(LadderError::Percent(1)));
        assert_eq!(Ladder::parse("3:0"), Err(LadderError::Percent(1)));
        assert_eq!(Ladder::parse("61:10"), Err(LadderError::DaysLeft(1)));
        assert_eq!(Ladder::parse("3:50,1:20"), Err(LadderError::Order));
        assert_eq!(Ladder::parse("3:20,3:50"), Err(LadderError::Order));
        assert_eq!(Ladder::parse(""), Err(LadderError::Syntax(1)));
        assert!(LadderError::Order.message_zh().contains("折扣"));
    }

    #[test]
    fn markdowns_round_down_and_stop_at_the_floor() {
        let m = |p, c, off, floor| mark_down(Money::from_fen(p), Money::from_fen(c), off, floor);
        // 8.99 yuan, 20% off: 7.192 → 7.19 (down), 20.02% off.
        assert_eq!(
            m(899, 500, 2000, 10_000),
            Some(Marked {
                price: Money::from_fen(719),
                off_bp: 2002,
                floored: false
            })
        );
        // 50% off would be 4.49, under the cost 5.00: held at 5.00.
        assert_eq!(
            m(899, 500, 5000, 10_000),
            Some(Marked {
                price: Money::from_fen(500),
                off_bp: 4438,
                floored: true
            })
        );
        // A floor of 80% of cost: 4.00 allowed, so 4.49.
        assert_eq!(m(899, 500, 5000, 8000).unwrap().price, Money::from_fen(449));
        // The floor at or above the price: nothing to mark down.
        assert_eq!(m(500, 500, 2000, 10_000), None);
        assert_eq!(m(0, 0, 2000, 0), None);
        // 9 fen at 90% off with no floor: 0.9 fen would be 0; a fen is the least.
        assert_eq!(m(9, 0, 9000, 0).unwrap().price, Money::from_fen(1));
        assert_eq!(m(1, 0, 9000, 0), None);
    }
}
