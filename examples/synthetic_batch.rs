//! Writes a batch of synthetic Liuzhou records as JSON Lines, some of them deliberately
//! bad, for trying `certpress batch` and for measuring it.
//!
//! ```sh
//! cargo run --example synthetic_batch -- 400 3 > /tmp/records.jsonl
//! cargo run --release -- batch specs/liuzhou/licence.ron --data /tmp/records.jsonl --out /tmp/licences
//! ```
//!
//! The bad records (a wrong check character, a date that does not exist, a permit list too
//! long for its band) are spread through the file; their line numbers go to stderr.

use certpress::record::credit_code::check_character;

const STREETS: [&str; 6] = [
    "箭盘路",
    "柳石路",
    "东环大道",
    "文昌路",
    "屏山大道",
    "驾鹤路",
];
const TRADES: [(&str, &str); 4] = [
    ("螺蛳粉店", "开办餐饮店"),
    ("便利店", "开办便利店"),
    ("理发店", "开办理发店"),
    ("药店", "开办药店"),
];
const SURNAMES: [&str; 6] = ["王", "李", "欧阳", "覃", "韦", "蒙"];
const GIVEN: [&str; 6] = ["䶮", "明", "丽华", "建国", "秀英", "海"];

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(400);
    let bad: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let bad_lines: Vec<usize> = (1..=bad).map(|i| i * count / (bad + 1)).collect();
    for n in 1..=count {
        let (shop, category) = TRADES[n % TRADES.len()];
        let first17 = format!("92450203MA5{:06}", n * 7919 % 1_000_000);
        let check = check_character(&first17).expect("a valid prefix");
        let mut record = serde_json::json!({
            "operator_name": format!("柳州市鱼峰区{}{}{}", STREETS[n % 6], n, shop),
            "legal_representative": format!("{}{}", SURNAMES[n % 6], GIVEN[(n / 6) % 6]),
            "industry_category": category,
            "credit_code": format!("{first17}{check}"),
            "business_address": format!("广西壮族自治区柳州市鱼峰区{}{}号{}栋{}单元{}号门面",
                STREETS[(n + 1) % 6], n % 300 + 1, n % 9 + 1, n % 4 + 1, 100 + n % 50),
            "permits": ["食品经营许可证（JY24502030012345）", format!("公共场所卫生许可证（柳鱼卫公字〔2022〕第{:04}号）", n)],
            "issuing_authority": "柳州市鱼峰区行政审批局",
            "issue_date": format!("2022-{:02}-{:02}", n % 12 + 1, n % 28 + 1),
            "licence_number": format!("柳鱼一业一证〔2022〕{n:04}号"),
        });
        if let Some(kind) = bad_lines.iter().position(|&l| l == n) {
            match kind % 3 {
                0 => {
                    let wrong = if check == '0' { '1' } else { '0' };
                    record["credit_code"] = format!("{first17}{wrong}").into();
                }
                1 => record["issue_date"] = "2022-02-30".into(),
                _ => {
                    let permits: Vec<String> = (1..=30)
                        .map(|i| format!("第{i}类许可：食品经营许可证（JY2450203{i:07}）"))
                        .collect();
                    record["permits"] = permits.into();
                    record["qr_url"] = "https://example.gov.cn/l/1".into();
                }
            }
            eprintln!("line {n}: bad on purpose");
        }
        println!("{record}");
    }
}
