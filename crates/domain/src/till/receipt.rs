//! The printed receipt (小票): a plain-text layout for 58 mm (32 columns) and 80 mm
//! (48 columns) thermal printers, and the ESC/POS bytes that print it.
//!
//! Columns are laid out by display width, not by `char`s or bytes: a Chinese printer
//! prints a Hanzi two columns wide, so "牛奶" takes the room of "milk". The width table
//! is a small list of CJK ranges rather than a crate, because receipts only ever carry
//! Chinese, ASCII and a few symbols. The bytes are GB18030, the encoding every printer
//! sold in China must support.

use crate::money::Money;
use crate::time::zoned;

/// The narrowest layout: below this the columns no longer fit.
pub const RECEIPT_COLS_MIN: u8 = 24;
/// The widest layout any thermal printer we support offers.
pub const RECEIPT_COLS_MAX: u8 = 64;

/// One sold line as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptLine {
    pub name: String,
    /// "2" for pieces, "0.385kg" for weighed goods.
    pub qty_text: String,
    pub unit_price_fen: i64,
    /// Before discounts: quantity × unit price.
    pub amount_fen: i64,
    /// This line's share of the order's discounts (positive), as allocated by pricing.
    pub discount_fen: i64,
}

/// Everything a receipt shows, already decided by pricing and settlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptDoc {
    pub store_name: String,
    pub address: String,
    pub till_no: String,
    pub cashier: String,
    pub order_number: String,
    pub at_ms: i64,
    pub lines: Vec<ReceiptLine>,
    /// Each discount with its explanation, e.g. ("满100减20", 2000); amounts positive.
    pub discounts: Vec<(String, i64)>,
    /// What the customer owed.
    pub total_fen: i64,
    /// Each tender (and a 抹零 line if any) with its amount, e.g. ("微信", 8050).
    pub payments: Vec<(String, i64)>,
    pub change_fen: i64,
    /// The member's masked phone, e.g. "138****5678".
    pub member: Option<String>,
    pub points_earned: Option<i64>,
    /// May hold several lines separated by '\n'.
    pub footer: String,
}

/// Columns a character takes on a receipt printer: 2 for CJK ideographs, kana, Hangul
/// and full-width forms, 0 for control characters, 1 otherwise.
fn char_width(c: char) -> usize {
    let u = u32::from(c);
    let wide = matches!(
        u,
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x2FFFD
            | 0x30000..=0x3FFFD
    );
    if wide {
        2
    } else if c.is_control() {
        0
    } else {
        1
    }
}

/// Columns a string takes on a receipt printer.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// At most `max` columns of `s`; a cut string ends in ".." (ASCII, so its width is
/// certain on every printer) and never splits a wide character.
fn truncate(s: &str, max: usize) -> String {
    if display_width(s) <= max {
        return s.to_string();
    }
    let room = max.saturating_sub(2);
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = char_width(c);
        if used + w > room {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push_str(&".".repeat((max - used).min(2)));
    out
}

fn spaces(n: usize) -> String {
    " ".repeat(n)
}

fn pad_right(s: &str, width: usize) -> String {
    format!("{s}{}", spaces(width.saturating_sub(display_width(s))))
}

fn pad_left(s: &str, width: usize) -> String {
    format!("{}{s}", spaces(width.saturating_sub(display_width(s))))
}

fn center(s: &str, width: usize) -> String {
    let s = truncate(s, width);
    format!("{}{s}", spaces((width - display_width(&s)) / 2))
}

/// `left` and `right` on one row, `right` flush with the edge; `left` is cut to fit.
fn row(left: &str, right: &str, width: usize) -> String {
    let room = width.saturating_sub(display_width(right) + 1);
    let left = truncate(left, room);
    format!(
        "{}{right}",
        pad_right(&left, width.saturating_sub(display_width(right)))
    )
}

fn yuan(fen: i64) -> String {
    Money::from_fen(fen).to_string()
}

/// Widths of the quantity, unit price and amount columns.
fn item_columns(width: usize) -> [usize; 3] {
    if width >= 40 { [8, 10, 10] } else { [5, 8, 9] }
}

fn item_detail(cols: [usize; 3], qty: &str, unit: &str, amount: &str) -> String {
    format!(
        "{} {} {}",
        pad_left(qty, cols[0]),
        pad_left(unit, cols[1]),
        pad_left(amount, cols[2])
    )
}

/// The receipt's rows below the header: the header (store name and address) is kept
/// apart because the printer centres and enlarges it itself.
fn body_rows(doc: &ReceiptDoc, width: usize) -> Vec<String> {
    let rule = "-".repeat(width);
    let mut rows = vec![
        rule.clone(),
        truncate(&format!("机号: {}  收银员: {}", doc.till_no, doc.cashier), width),
        truncate(&format!("单号: {}", doc.order_number), width),
        format!("时间: {}", zoned(doc.at_ms).strftime("%Y-%m-%d %H:%M:%S")),
        rule.clone(),
    ];

    let cols = item_columns(width);
    let push_item = |rows: &mut Vec<String>, name: &str, detail: String| {
        let name_room = width.saturating_sub(display_width(&detail) + 1);
        if display_width(name) <= name_room {
            rows.push(format!("{} {detail}", pad_right(name, name_room)));
        } else {
            // A long name gets a row of its own, so only truly long names are cut.
            rows.push(truncate(name, width));
            rows.push(pad_left(&detail, width));
        }
    };
    push_item(&mut rows, "商品", item_detail(cols, "数量", "单价", "金额"));
    for line in &doc.lines {
        let detail = item_detail(cols, &line.qty_text, &yuan(line.unit_price_fen), &yuan(line.amount_fen));
        push_item(&mut rows, &line.name, detail);
        if line.discount_fen != 0 {
            rows.push(row("  优惠", &yuan(-line.discount_fen), width));
        }
    }
    rows.push(rule.clone());

    let gross_fen: i64 = doc.lines.iter().map(|l| l.amount_fen).sum();
    rows.push(row("商品金额", &yuan(gross_fen), width));
    for (why, fen) in &doc.discounts {
        rows.push(row(why, &yuan(-fen), width));
    }
    rows.push(row("应付", &yuan(doc.total_fen), width));
    for (tender, fen) in &doc.payments {
        rows.push(row(tender, &yuan(*fen), width));
    }
    if doc.change_fen != 0 {
        rows.push(row("找零", &yuan(doc.change_fen), width));
    }
    if doc.member.is_some() || doc.points_earned.is_some() {
        rows.push(rule.clone());
        if let Some(member) = &doc.member {
            rows.push(row("会员", member, width));
        }
        if let Some(points) = doc.points_earned {
            rows.push(row("本次积分", &format!("+{points}"), width));
        }
    }
    rows.push(rule);
    rows
}

fn clamp_cols(width_cols: u8) -> usize {
    usize::from(width_cols.clamp(RECEIPT_COLS_MIN, RECEIPT_COLS_MAX))
}

fn footer_rows(doc: &ReceiptDoc) -> impl Iterator<Item = &str> {
    doc.footer.lines().filter(|l| !l.trim().is_empty())
}

/// The receipt as text, one row per line, no row wider than `width_cols` columns
/// (clamped to [`RECEIPT_COLS_MIN`]..=[`RECEIPT_COLS_MAX`]). Times are Shanghai time.
pub fn receipt_text(doc: &ReceiptDoc, width_cols: u8) -> String {
    let width = clamp_cols(width_cols);
    let mut rows = vec![center(&doc.store_name, width), center(&doc.address, width)];
    rows.extend(body_rows(doc, width));
    rows.extend(footer_rows(doc).map(|l| center(l, width)));
    let mut text = rows.join("\n");
    text.push('\n');
    text
}

/// ESC @: reset the printer.
const ESC_INIT: [u8; 2] = [0x1B, 0x40];
/// FS &: Chinese character mode, for printers that do not start in it.
const FS_CHINESE: [u8; 2] = [0x1C, 0x26];
const ESC_ALIGN_LEFT: [u8; 3] = [0x1B, 0x61, 0x00];
const ESC_ALIGN_CENTER: [u8; 3] = [0x1B, 0x61, 0x01];
/// GS !: double width and double height.
const GS_SIZE_DOUBLE: [u8; 3] = [0x1D, 0x21, 0x11];
const GS_SIZE_NORMAL: [u8; 3] = [0x1D, 0x21, 0x00];
/// ESC d 4: feed four lines so the last row clears the cutter.
const ESC_FEED: [u8; 3] = [0x1B, 0x64, 0x04];
/// GS V 1: partial cut, leaving the receipt hanging for the customer to tear off.
pub(crate) const GS_CUT: [u8; 3] = [0x1D, 0x56, 0x01];

fn push_gb18030(out: &mut Vec<u8>, text: &str) {
    // GB18030 encodes every Unicode scalar value, so nothing is ever replaced.
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    out.extend_from_slice(&bytes);
    out.push(b'\n');
}

/// The receipt as ESC/POS bytes: the header centred with the store name at double size,
/// the body as in [`receipt_text`] encoded in GB18030, then a feed and a cut.
pub fn escpos_bytes(doc: &ReceiptDoc, width_cols: u8) -> Vec<u8> {
    let width = clamp_cols(width_cols);
    let mut out = Vec::new();
    out.extend_from_slice(&ESC_INIT);
    out.extend_from_slice(&FS_CHINESE);
    out.extend_from_slice(&ESC_ALIGN_CENTER);
    out.extend_from_slice(&GS_SIZE_DOUBLE);
    // Double width halves the room on the row.
    push_gb18030(&mut out, &truncate(&doc.store_name, width / 2));
    out.extend_from_slice(&GS_SIZE_NORMAL);
    push_gb18030(&mut out, &truncate(&doc.address, width));
    out.extend_from_slice(&ESC_ALIGN_LEFT);
    for row in body_rows(doc, width) {
        push_gb18030(&mut out, &row);
    }
    out.extend_from_slice(&ESC_ALIGN_CENTER);
    for line in footer_rows(doc) {
        push_gb18030(&mut out, &truncate(line, width));
    }
    out.extend_from_slice(&ESC_ALIGN_LEFT);
    out.extend_from_slice(&ESC_FEED);
    out.extend_from_slice(&GS_CUT);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ReceiptDoc {
        ReceiptDoc {
            store_name: "邻里便利店".into(),
            address: "幸福路12号".into(),
            till_no: "01".into(),
            cashier: "王芳".into(),
            order_number: "20260131-0042".into(),
            // 2026-01-31 18:05:09 in Shanghai.
            at_ms: 1_769_853_909_000,
            lines: vec![
                ReceiptLine {
                    name: "牛奶".into(),
                    qty_text: "2".into(),
                    unit_price_fen: 650,
                    amount_fen: 1300,
                    discount_fen: 0,
                },
                ReceiptLine {
                    name: "农夫山泉饮用天然水550ml".into(),
                    qty_text: "1".into(),
                    unit_price_fen: 200,
                    amount_fen: 200,
                    discount_fen: 0,
                },
                ReceiptLine {
                    name: "散装鸡蛋".into(),
                    qty_text: "0.385kg".into(),
                    unit_price_fen: 1299,
                    amount_fen: 500,
                    discount_fen: 100,
                },
            ],
            discounts: vec![("鸡蛋特价".into(), 100)],
            total_fen: 1900,
            payments: vec![("现金".into(), 2000)],
            change_fen: 100,
            member: Some("138****5678".into()),
            points_earned: Some(19),
            footer: "谢谢惠顾，欢迎再来".into(),
        }
    }

    const EXPECTED_58MM: &str = "           邻里便利店
           幸福路12号
--------------------------------
机号: 01  收银员: 王芳
单号: 20260131-0042
时间: 2026-01-31 18:05:09
--------------------------------
商品     数量     单价      金额
牛奶        2    ¥6.50    ¥13.00
农夫山泉饮用天然水550ml
            1    ¥2.00     ¥2.00
散装鸡蛋
      0.385kg   ¥12.99     ¥5.00
  优惠                    -¥1.00
--------------------------------
商品金额                  ¥20.00
鸡蛋特价                  -¥1.00
应付                      ¥19.00
现金                      ¥20.00
找零                       ¥1.00
--------------------------------
会员                 138****5678
本次积分                     +19
--------------------------------
       谢谢惠顾，欢迎再来
";

    fn check_width(s: &str, expected: usize) {
        assert_eq!(display_width(s), expected, "{s}");
    }

    #[test]
    fn a_small_receipt_on_58mm_paper_reads_as_expected() {
        assert_eq!(receipt_text(&sample(), 32), EXPECTED_58MM);
    }

    #[test]
    fn chinese_characters_take_two_columns() {
        check_width("牛奶", 4);
        check_width("milk", 4);
        check_width("¥12.50", 6);
        check_width("谢谢惠顾，欢迎再来", 18);
        check_width("550ml装", 7);
        check_width("", 0);
    }

    #[test]
    fn amounts_line_up_at_the_right_edge_whatever_the_labels_width() {
        for width in [32u8, 48] {
            let text = receipt_text(&sample(), width);
            for row in text.lines() {
                assert!(display_width(row) <= usize::from(width), "{row:?} wider than {width}");
                if row.contains('¥') {
                    assert_eq!(display_width(row), usize::from(width), "{row:?} not flush right");
                }
            }
        }
        // On 80 mm paper the eggs fit on one row with their columns.
        let wide = receipt_text(&sample(), 48);
        assert!(
            wide.contains("\n散装鸡蛋           0.385kg     ¥12.99      ¥5.00\n"),
            "{wide}"
        );
    }

    #[test]
    fn a_very_long_name_is_cut_on_a_row_of_its_own_without_splitting_a_character() {
        let mut doc = sample();
        doc.lines[0].name = "有机高钙低脂纯牛奶家庭装礼盒十二盒整箱包邮".into();
        let text = receipt_text(&doc, 32);
        let row = text.lines().find(|l| l.starts_with("有机")).unwrap();
        assert_eq!(row, "有机高钙低脂纯牛奶家庭装礼盒十..");
        assert_eq!(display_width(row), 32);
        // A wide character that would straddle the edge is left out, not split.
        assert_eq!(truncate("牛奶牛奶", 7), "牛奶..");
        assert_eq!(truncate("牛奶ab", 4), "牛..");
        assert_eq!(truncate("牛奶", 4), "牛奶");
    }

    #[test]
    fn milk_is_c5a3_c4cc_in_gb18030() {
        let mut out = Vec::new();
        push_gb18030(&mut out, "牛奶");
        assert_eq!(out, [0xC5, 0xA3, 0xC4, 0xCC, b'\n']);
    }

    #[test]
    fn the_printer_stream_starts_with_init_and_ends_with_a_cut() {
        let bytes = escpos_bytes(&sample(), 32);
        assert!(bytes.starts_with(&[0x1B, 0x40]));
        assert!(bytes.ends_with(&GS_CUT));
        // The store name follows the double-size command, in GB18030.
        let (name, _, _) = encoding_rs::GB18030.encode("邻里便利店");
        let header: Vec<u8> = [&ESC_ALIGN_CENTER[..], &GS_SIZE_DOUBLE[..], &name[..]].concat();
        assert!(bytes.windows(header.len()).any(|w| w == header));
        // The body decodes back to the text layout.
        let (text, _, had_errors) = encoding_rs::GB18030.decode(&bytes);
        assert!(!had_errors);
        assert!(text.contains("牛奶        2    ¥6.50    ¥13.00\n"));
    }
}
