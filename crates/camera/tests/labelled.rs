//! Every labelled frame gets its label from the checks: the verdicts `cargo xtask bench camera`
//! tabulates are the ones this test requires.

use certdesk_camera::labelled::labelled_frames;
use certdesk_face::checks::{Oval, check_frame};

#[test]
fn every_labelled_frame_gets_its_label() {
    let frames = labelled_frames();
    assert!(frames.len() >= 30, "{} frames", frames.len());
    let mut wrong = Vec::new();
    for f in frames {
        let verdict = check_frame(&image::imageops::grayscale(&f.frame), Oval::GUIDE);
        if verdict.guidance != f.label {
            wrong.push(format!("{} ({}): {:?}, not {:?}", f.kind, f.variant, verdict.guidance, f.label));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
