//! What X checks of a post before it takes it, checked here first so that nothing is sent
//! that X would refuse: the length of the text as X counts it, and the media a post may carry.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use super::media::Kind;

/// X's limit for a post's text (accounts without a subscription).
pub const MAX_WEIGHT: usize = 280;
/// What X counts a link as, whatever its length (t.co).
pub const URL_WEIGHT: usize = 23;

/// Where this count and X's may differ, for `--help` and the README.
pub const COUNTING_NOTE: &str = "The text is counted as X counts plain text: in NFC, a link starting with http:// or https:// counts 23, an emoji (with its skin tone or joined sequence) 2, CJK and most characters beyond U+10FF 2, the rest 1. X counts otherwise: bare domains such as example.com count 23 at X but as written here; accounts with a subscription may post longer texts, which xconnect refuses.";

/// The weight of one character outside links and emoji (twitter-text's v3 ranges).
fn char_weight(c: char) -> usize {
    match c as u32 {
        0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247 => 1,
        _ => 2,
    }
}

/// Whether a grapheme is an emoji, which X counts as 2 whatever its length (a skin tone, a
/// joined family, a flag, a keycap).
fn is_emoji(g: &str) -> bool {
    g.chars().any(|c| {
        matches!(c as u32,
            0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0xFE0F | 0x20E3)
    })
}

/// The length of a link at the start of `word`: `http://` or `https://` and what follows up
/// to the end of the word, less closing punctuation.
fn link_len(word: &str) -> Option<usize> {
    let lower = word.get(..8).unwrap_or(word).to_ascii_lowercase();
    let scheme = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return None;
    };
    let trimmed = word.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', '"']);
    (trimmed.len() > scheme).then_some(trimmed.len())
}

/// The text's length as X counts it (see [`COUNTING_NOTE`]).
pub fn weighted_length(text: &str) -> usize {
    let text: String = text.nfc().collect();
    let mut total = 0;
    let mut rest = text.as_str();
    while !rest.is_empty() {
        // A word starts after whitespace; a link is counted whole.
        let at_word_start = text.len() == rest.len()
            || text[..text.len() - rest.len()]
                .chars()
                .next_back()
                .is_some_and(char::is_whitespace);
        if at_word_start {
            let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            if let Some(n) = link_len(&rest[..word_end]) {
                total += URL_WEIGHT;
                rest = &rest[n..];
                continue;
            }
        }
        let Some(g) = rest.graphemes(true).next() else {
            break;
        };
        total += if is_emoji(g) {
            2
        } else {
            g.chars().map(char_weight).sum()
        };
        rest = &rest[g.len()..];
    }
    total
}

/// Refuses what X would refuse: empty text without media, text over [`MAX_WEIGHT`].
pub fn check_text(text: &str, has_media: bool) -> Result<(), String> {
    if text.trim().is_empty() && !has_media {
        return Err("nothing to post: give the text (or pipe it on stdin), or --media".to_string());
    }
    let n = weighted_length(text);
    if n > MAX_WEIGHT {
        return Err(format!(
            "the text counts {n} where X takes {MAX_WEIGHT} (links count {URL_WEIGHT}, emoji and CJK characters 2): shorten it by {}",
            n - MAX_WEIGHT
        ));
    }
    Ok(())
}

/// The media one post may carry: up to 4 images, or 1 GIF, or 1 video.
pub fn check_mix(kinds: &[Kind]) -> Result<(), String> {
    let count = |k: Kind| kinds.iter().filter(|x| **x == k).count();
    let (images, gifs, videos) = (count(Kind::Image), count(Kind::Gif), count(Kind::Video));
    if matches!(
        (images, gifs, videos),
        (0..=4, 0, 0) | (0, 1, 0) | (0, 0, 1)
    ) {
        return Ok(());
    }
    let mut had = Vec::new();
    for (n, one, many) in [
        (images, "image", "images"),
        (gifs, "GIF", "GIFs"),
        (videos, "video", "videos"),
    ] {
        match n {
            0 => {}
            1 => had.push(format!("1 {one}")),
            n => had.push(format!("{n} {many}")),
        }
    }
    Err(format!(
        "a post carries up to 4 images, or 1 GIF, or 1 video; this one would carry {}",
        had.join(" and ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_counted_as_x_counts_it() {
        assert_eq!(weighted_length(""), 0);
        assert_eq!(weighted_length("hello"), 5);
        assert_eq!(weighted_length(&"a".repeat(280)), 280);
        // Latin with accents, Greek, Cyrillic: 1 each (below U+10FF).
        assert_eq!(weighted_length("café Ωμέγα привет"), 17);
        // CJK: 2 each.
        assert_eq!(weighted_length("日本語"), 6);
        assert_eq!(weighted_length(&"字".repeat(140)), 280);
        // Curly quotes and dashes are in X's light ranges; the ellipsis is not.
        assert_eq!(weighted_length("\u{2018}a\u{2019} \u{2014} \u{2026}"), 8);
        // Emoji: 2, also a joined family, a skin tone or a flag.
        assert_eq!(weighted_length("🙂"), 2);
        assert_eq!(weighted_length("👍🏽"), 2);
        assert_eq!(weighted_length("👨‍👩‍👧"), 2);
        assert_eq!(weighted_length("🇫🇷"), 2);
        assert_eq!(weighted_length("ok ✅"), 5);
        // Links: 23 whatever their length; punctuation after one is counted as text.
        assert_eq!(weighted_length("https://example.com"), 23);
        assert_eq!(
            weighted_length(&format!("see https://example.com/{}.", "x".repeat(200))),
            4 + 23 + 1
        );
        assert_eq!(weighted_length("HTTP://A.B"), 23);
        assert_eq!(
            weighted_length("http://"),
            7,
            "a scheme alone is not a link"
        );
        assert_eq!(
            weighted_length("xhttps://example.com"),
            20,
            "not at a word start"
        );
        // NFC: e + combining acute is one character.
        assert_eq!(weighted_length("e\u{301}"), 1);
    }

    #[test]
    fn the_280_rule_refuses_before_sending() {
        assert!(check_text(&"a".repeat(280), false).is_ok());
        let e = check_text(&"a".repeat(281), false).expect_err("281");
        assert!(e.contains("counts 281 where X takes 280"), "{e}");
        assert!(check_text(&"字".repeat(141), false).is_err());
        // 11 links of 23 and their spaces: 263, fine though 11 long links are far longer.
        let links = vec![format!("https://example.com/{}", "p".repeat(100)); 11].join(" ");
        assert_eq!(weighted_length(&links), 11 * 23 + 10);
        assert!(check_text(&links, false).is_ok());
        assert!(check_text("", false)
            .expect_err("empty")
            .contains("nothing to post"));
        assert!(check_text("  \n", false).is_err());
        assert!(check_text("", true).is_ok(), "media alone is a post");
    }

    #[test]
    fn a_post_carries_4_images_or_1_gif_or_1_video() {
        use Kind::*;
        assert!(check_mix(&[]).is_ok());
        assert!(check_mix(&[Image; 4]).is_ok());
        assert!(check_mix(&[Gif]).is_ok());
        assert!(check_mix(&[Video]).is_ok());
        let e = check_mix(&[Image; 5]).expect_err("5");
        assert!(e.ends_with("this one would carry 5 images"), "{e}");
        let e = check_mix(&[Image, Video]).expect_err("mix");
        assert!(e.ends_with("1 image and 1 video"), "{e}");
        assert!(check_mix(&[Gif, Gif]).is_err());
        assert!(check_mix(&[Video, Video]).is_err());
        assert!(check_mix(&[Gif, Image]).is_err());
    }
}
