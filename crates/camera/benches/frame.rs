//! Per-frame cost at 640×480, the webcam's size: the checks, the preview JPEG, the photo JPEG and the
//! decoding of what a webcam sends. `cargo xtask bench camera` writes the figures, as a share of the
//! 33 ms between frames at 30 fps, to docs/benchmarks.md.

use certdesk_camera::labelled::labelled_frames;
use certdesk_camera::{PHOTO_QUALITY, PREVIEW_QUALITY, decode_frame, demo_sequence, encode_jpeg, rgb_to_yuyv};
use certdesk_face::checks::{Oval, check_frame};
use criterion::{Criterion, criterion_group, criterion_main};
use nokhwa::utils::FrameFormat;
use std::hint::black_box;

fn frame(c: &mut Criterion) {
    let held = demo_sequence().pop().expect("the demo sequence has frames");
    let empty = image::RgbImage::from_pixel(640, 480, image::Rgb([120, 120, 120]));
    let labelled: Vec<image::RgbImage> = labelled_frames().iter().map(|f| f.frame.clone()).collect();
    // What the capture does with each frame: to grey, then the checks.
    let checks = |rgb: &image::RgbImage| check_frame(&image::imageops::grayscale(rgb), Oval::GUIDE);
    let mjpeg = encode_jpeg(&held, 85).unwrap();
    let yuyv = rgb_to_yuyv(&held);

    c.bench_function("checks_one_face", |b| b.iter(|| checks(black_box(&held))));
    c.bench_function("checks_no_face", |b| b.iter(|| checks(black_box(&empty))));
    // One pass over the whole labelled set; the report divides by its size.
    c.bench_function("checks_labelled_set", |b| {
        b.iter(|| labelled.iter().map(|f| checks(black_box(f)).guidance as usize).sum::<usize>())
    });
    c.bench_function("preview_jpeg", |b| b.iter(|| encode_jpeg(black_box(&held), PREVIEW_QUALITY).unwrap()));
    c.bench_function("photo_jpeg", |b| b.iter(|| encode_jpeg(black_box(&held), PHOTO_QUALITY).unwrap()));
    c.bench_function("decode_mjpeg", |b| {
        b.iter(|| decode_frame(FrameFormat::MJPEG, 640, 480, black_box(&mjpeg)).unwrap())
    });
    c.bench_function("decode_yuyv", |b| {
        b.iter(|| decode_frame(FrameFormat::YUYV, 640, 480, black_box(&yuyv)).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = frame
}
criterion_main!(benches);
