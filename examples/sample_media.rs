//! Writes the media files the tests make, for trying `xconnect post --media` by hand:
//! `cargo run --example sample_media -- mp4 clip.mp4 20` (a 20 MB MP4 whose first bytes are a
//! real `ftyp` and `mdat`; the sandbox takes it, X would not play it), `gif` and `png` alike.

#[allow(dead_code)]
#[path = "../tests/common/media.rs"]
mod media;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, path, megabytes] = args.as_slice() else {
        eprintln!("usage: sample_media mp4|gif|png FILE MEGABYTES");
        std::process::exit(2);
    };
    let Ok(mb) = megabytes.parse::<f64>() else {
        eprintln!("MEGABYTES: a number, such as 20 or 0.5");
        std::process::exit(2);
    };
    let len = (mb * (1u64 << 20) as f64) as u64;
    let path = std::path::Path::new(path);
    match kind.as_str() {
        "mp4" => media::write_mp4(path, len),
        "gif" => media::write_gif(path, len),
        "png" => media::write_png(path, len),
        _ => {
            eprintln!("the kind is mp4, gif or png");
            std::process::exit(2);
        }
    }
    println!("{} ({len} bytes)", path.display());
}
