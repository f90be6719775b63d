//! The QR code's landing page (附件2 of the Liuzhou notice, "一码亮证"): one self-contained
//! HTML file the bureau hosts wherever it likes.
//!
//! What it shows is the spec's `landing_page`: a title and rows, each a label and a value
//! from the spec or the record (a list field one line per item), then the licence's own
//! picture. The file needs nothing else: inline CSS, the picture as a `data:` URL, no
//! script. Its Content-Security-Policy forbids scripts and every request to any host, so
//! even a browser that met markup in it would run nothing and fetch nothing; and every
//! record string is escaped, so markup in a record shows as text.

use std::fmt::Write as _;

use base64::Engine as _;

use crate::electronic::Metadata;
use crate::record::{BoundRecord, Value};
use crate::spec::{DateStyle, LandingPage, Source};

/// One approval's electronic copy on the page.
#[derive(Debug, Clone)]
pub(crate) struct Approval<'a> {
    /// Its caption: the permit at its position, when the spec pairs them.
    pub caption: Option<&'a str>,
    /// `image/png` or `image/jpeg`.
    pub media: &'static str,
    /// The picture's bytes, inlined as a `data:` URL when `href` is none.
    pub bytes: &'a [u8],
    /// The picture's path relative to the page, when it is written beside it.
    pub href: Option<String>,
}

/// The page for `record`, with the licence's picture (a PNG) when given, and the
/// approvals' copies in the spec's `approvals` section.
pub(crate) fn page(
    spec: &LandingPage,
    record: &BoundRecord,
    picture: Option<&[u8]>,
    metadata: Option<&Metadata>,
    approvals: &[Approval<'_>],
) -> String {
    let inline: usize = approvals
        .iter()
        .filter(|a| a.href.is_none())
        .map(|a| a.bytes.len() * 4 / 3)
        .sum();
    let title = values(&spec.title, record).join("");
    let mut html = String::with_capacity(4096 + picture.map_or(0, |p| p.len() * 4 / 3) + inline);
    html.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // Pictures written beside the page come from its own origin, never another host.
    let beside = approvals.iter().any(|a| a.href.is_some());
    let _ = writeln!(
        html,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:{}; style-src 'unsafe-inline'\">",
        if beside { " 'self'" } else { "" }
    );
    html.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    let _ = writeln!(html, "<title>{}</title>", escape(&title));
    html.push_str(STYLE);
    html.push_str("</head>\n<body>\n<main>\n");
    let _ = writeln!(html, "<h1>{}</h1>", escape(&title));
    if let Some(metadata) = metadata {
        // Which issue of the licence this page describes: a re-issued licence (变更)
        // keeps its QR code, so the page says its version and date.
        let _ = writeln!(
            html,
            "<p class=\"edition\">第 {} 版{}</p>",
            metadata.version,
            metadata
                .get("issueDate")
                .map(|d| format!(" · {}", escape(d)))
                .unwrap_or_default()
        );
    }
    html.push_str("<dl>\n");
    for row in &spec.rows {
        let items = values(&row.value, record);
        if items.is_empty() {
            continue;
        }
        let _ = write!(
            html,
            "<div class=\"row\"><dt>{}</dt><dd>",
            escape(&row.label)
        );
        if items.len() == 1 && !is_list(&row.value, record) {
            html.push_str(&escape(&items[0]));
        } else {
            html.push_str("<ul>");
            for item in &items {
                let _ = write!(html, "<li>{}</li>", escape(item));
            }
            html.push_str("</ul>");
        }
        html.push_str("</dd></div>\n");
    }
    html.push_str("</dl>\n");
    if let (Some(section), false) = (&spec.approvals, approvals.is_empty()) {
        approvals_section(&mut html, &section.heading, approvals);
    }
    if let Some(png) = picture {
        let _ = write!(
            html,
            "<figure><img src=\"data:image/png;base64,{}\" alt=\"{}\">",
            base64::engine::general_purpose::STANDARD.encode(png),
            escape(&format!("{}（证照图像）", title))
        );
        if let Some(metadata) = metadata {
            let _ = write!(
                html,
                "<figcaption>证照标识 <code>{}</code></figcaption>",
                escape(&metadata.identifier)
            );
        }
        html.push_str("</figure>\n");
    }
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

/// The approvals' copies, in order, each scaled to the column and captioned. A tap opens
/// it at full resolution without script: a picture beside the page is a link to its file;
/// an inline one is a link to its own figure, which `:target` shows at its natural size
/// in a box that scrolls by itself (the page never scrolls sideways).
fn approvals_section(html: &mut String, heading: &str, approvals: &[Approval<'_>]) {
    let _ = writeln!(
        html,
        "<section class=\"approvals\">\n<h2>{}</h2>",
        escape(heading)
    );
    for (i, approval) in approvals.iter().enumerate() {
        let id = format!("approval-{}", i + 1);
        let alt = match approval.caption {
            Some(caption) => format!("{caption}（审批结果电子版）"),
            None => format!("审批结果电子版 {}", i + 1),
        };
        let (src, href) = match &approval.href {
            Some(path) => (escape(path).into_owned(), escape(path).into_owned()),
            None => (
                format!(
                    "data:{};base64,{}",
                    approval.media,
                    base64::engine::general_purpose::STANDARD.encode(approval.bytes)
                ),
                format!("#{id}"),
            ),
        };
        let _ = write!(
            html,
            "<figure id=\"{id}\"><a href=\"{href}\"><img src=\"{src}\" alt=\"{}\"></a>",
            escape(&alt)
        );
        if let Some(caption) = approval.caption {
            let _ = write!(html, "<figcaption>{}</figcaption>", escape(caption));
        }
        if approval.href.is_none() {
            html.push_str("<a class=\"close\" href=\"#\">关闭原图</a>");
        }
        html.push_str("</figure>\n");
    }
    html.push_str("</section>\n");
}

/// The page's look: one column, the system's CJK sans-serif, sized for a phone first.
const STYLE: &str = "<style>
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f1ea; color: #1a1a1a;
  font-family: system-ui, -apple-system, \"PingFang SC\", \"Noto Sans CJK SC\", \"Microsoft YaHei\", sans-serif;
  line-height: 1.6; -webkit-text-size-adjust: 100%; }
main { max-width: 42rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.35rem; line-height: 1.35; margin: 0.5rem 0 1rem; color: #8a1c14;
  overflow-wrap: anywhere; }
.edition { margin: -0.6rem 0 1rem; font-size: 0.85rem; color: #666; }
dl { margin: 0; background: #fff; border-radius: 0.5rem; padding: 0.25rem 1rem;
  box-shadow: 0 1px 3px rgba(0,0,0,0.12); }
.row { padding: 0.6rem 0; border-bottom: 1px solid #eee; }
.row:last-child { border-bottom: 0; }
dt { font-size: 0.85rem; color: #666; }
dd { margin: 0.1rem 0 0; font-size: 1rem; overflow-wrap: anywhere; }
ul { margin: 0; padding-left: 1.2rem; }
figure { margin: 1rem 0; }
img { display: block; width: 100%; height: auto; border-radius: 0.25rem;
  box-shadow: 0 1px 3px rgba(0,0,0,0.12); }
figcaption { font-size: 0.75rem; color: #666; margin-top: 0.5rem; overflow-wrap: anywhere; }
h2 { font-size: 1.05rem; margin: 1.25rem 0 0.5rem; }
.approvals figure { background: #fff; border-radius: 0.5rem; padding: 0.5rem;
  box-shadow: 0 1px 3px rgba(0,0,0,0.12); overflow: auto; }
.approvals img { box-shadow: none; }
.approvals .close { display: none; font-size: 0.85rem; }
.approvals figure:target img { width: auto; max-width: none; }
.approvals figure:target .close { display: inline-block; margin-top: 0.5rem; }
code { font-family: ui-monospace, monospace; }
</style>
";

/// A source's value on the page, one string per line: a list field item by item, a date
/// as the licence prints it; empty when the record lacks the field.
fn values(source: &Source, record: &BoundRecord) -> Vec<String> {
    match source {
        Source::Field(key) => match record.get(key) {
            Some(Value::List(items)) => items.clone(),
            Some(value) => vec![value.display("；", DateStyle::Arabic)],
            None => Vec::new(),
        },
        other => crate::electronic::text_of(other, record)
            .into_iter()
            .collect(),
    }
}

fn is_list(source: &Source, record: &BoundRecord) -> bool {
    matches!(source, Source::Field(key) if matches!(record.get(key), Some(Value::List(_))))
}

/// Text for HTML content and attribute values: quick-xml escapes the five characters
/// (`& < > " '`) that can end either.
pub(crate) fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
