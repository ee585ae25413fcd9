//! The checks' verdict on every labelled frame, one tab-separated line each (kind, variant, label,
//! verdict): `cargo xtask bench camera` tabulates them against the verdicts before the speed-up.

use certdesk_camera::labelled::labelled_frames;
use certdesk_face::checks::{Oval, check_frame};

fn main() {
    for f in labelled_frames() {
        let verdict = check_frame(&image::imageops::grayscale(&f.frame), Oval::GUIDE);
        println!("{}\t{}\t{:?}\t{:?}", f.kind, f.variant, f.label, verdict.guidance);
    }
}
