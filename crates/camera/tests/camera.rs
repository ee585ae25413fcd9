//! The camera crate without a camera: nokhwa's `Camera` over a custom backend that produces frames
//! (the same path a real webcam takes from `Camera::frame` on), the fixture source, and captures on
//! both through the one `FrameSource` trait.

use certdesk_camera::{
    CameraError, CaptureSession, FixtureSource, FrameSource, PREFERRED_FPS, SourceConfig, TakeRefused, WebcamSource,
    decode_frame, demo_sequence, encode_jpeg, rgb_to_yuyv,
};
use certdesk_face::checks::Guidance;
use image::RgbImage;
use nokhwa::Buffer;
use nokhwa::Camera;
use nokhwa::NokhwaError;
use nokhwa::camera_traits::CaptureBackendTrait;
use nokhwa::utils::{
    ApiBackend, CameraControl, CameraFormat, CameraIndex, CameraInfo, ControlValueSetter, FrameFormat,
    KnownCameraControl, Resolution,
};
use std::borrow::Cow;
use std::collections::HashMap;

/// A webcam in software: plays frames in YUYV or MJPEG, and fails the way real ones do when asked.
struct FakeWebcam {
    info: CameraInfo,
    format: CameraFormat,
    frames: Vec<RgbImage>,
    next: usize,
    open: bool,
    /// An error `open_stream` answers with (a busy device, a refused permission).
    refuse_open: Option<String>,
    /// After this many frames the camera is unplugged, and reads fail with this text.
    unplug_after: Option<usize>,
    unplugged: String,
}

impl FakeWebcam {
    fn new(format: FrameFormat, frames: Vec<RgbImage>) -> FakeWebcam {
        let (w, h) = frames[0].dimensions();
        FakeWebcam {
            info: CameraInfo::new("Fake USB Camera", "software", "", CameraIndex::Index(0)),
            format: CameraFormat::new_from(w, h, format, 30),
            frames,
            next: 0,
            open: false,
            refuse_open: None,
            unplug_after: None,
            unplugged: "No such device (os error 19)".into(),
        }
    }

    fn into_camera(self) -> Camera {
        Camera::with_custom(CameraIndex::Index(0), ApiBackend::Video4Linux, Box::new(self))
    }
}

impl CaptureBackendTrait for FakeWebcam {
    fn backend(&self) -> ApiBackend {
        ApiBackend::Video4Linux
    }
    fn camera_info(&self) -> &CameraInfo {
        &self.info
    }
    fn refresh_camera_format(&mut self) -> Result<(), NokhwaError> {
        Ok(())
    }
    fn camera_format(&self) -> CameraFormat {
        self.format
    }
    fn set_camera_format(&mut self, new_fmt: CameraFormat) -> Result<(), NokhwaError> {
        self.format = new_fmt;
        Ok(())
    }
    fn compatible_list_by_resolution(&mut self, _: FrameFormat) -> Result<HashMap<Resolution, Vec<u32>>, NokhwaError> {
        Ok(HashMap::from([(self.format.resolution(), vec![30])]))
    }
    fn compatible_fourcc(&mut self) -> Result<Vec<FrameFormat>, NokhwaError> {
        Ok(vec![self.format.format()])
    }
    fn resolution(&self) -> Resolution {
        self.format.resolution()
    }
    fn set_resolution(&mut self, _: Resolution) -> Result<(), NokhwaError> {
        Ok(())
    }
    fn frame_rate(&self) -> u32 {
        30
    }
    fn set_frame_rate(&mut self, _: u32) -> Result<(), NokhwaError> {
        Ok(())
    }
    fn frame_format(&self) -> FrameFormat {
        self.format.format()
    }
    fn set_frame_format(&mut self, _: FrameFormat) -> Result<(), NokhwaError> {
        Ok(())
    }
    fn camera_control(&self, _: KnownCameraControl) -> Result<CameraControl, NokhwaError> {
        Err(NokhwaError::NotImplementedError("controls".into()))
    }
    fn camera_controls(&self) -> Result<Vec<CameraControl>, NokhwaError> {
        Ok(Vec::new())
    }
    fn set_camera_control(&mut self, _: KnownCameraControl, _: ControlValueSetter) -> Result<(), NokhwaError> {
        Ok(())
    }
    fn open_stream(&mut self) -> Result<(), NokhwaError> {
        if let Some(why) = &self.refuse_open {
            return Err(NokhwaError::OpenStreamError(why.clone()));
        }
        self.open = true;
        Ok(())
    }
    fn is_stream_open(&self) -> bool {
        self.open
    }
    fn frame(&mut self) -> Result<Buffer, NokhwaError> {
        if !self.open {
            return Err(NokhwaError::ReadFrameError("stream not open".into()));
        }
        if self.unplug_after.is_some_and(|n| self.next >= n) {
            return Err(NokhwaError::ReadFrameError(self.unplugged.clone()));
        }
        let frame = &self.frames[self.next % self.frames.len()];
        self.next += 1;
        let bytes = match self.format.format() {
            FrameFormat::YUYV => rgb_to_yuyv(frame),
            FrameFormat::MJPEG => encode_jpeg(frame, 90).unwrap(),
            other => panic!("the fake camera does not speak {other}"),
        };
        Ok(Buffer::new(self.format.resolution(), &bytes, self.format.format()))
    }
    fn frame_raw(&mut self) -> Result<Cow<'_, [u8]>, NokhwaError> {
        Ok(Cow::Owned(self.frame()?.buffer().to_vec()))
    }
    fn stop_stream(&mut self) -> Result<(), NokhwaError> {
        if self.unplug_after.is_some_and(|n| self.next >= n) {
            return Err(NokhwaError::StreamShutdownError("No such device (os error 19)".into()));
        }
        self.open = false;
        Ok(())
    }
}

fn held_frame() -> RgbImage {
    demo_sequence().pop().unwrap()
}

/// Steps until a photo is taken (or `limit` frames), returning the guidance seen and the photo.
fn capture(session: &mut CaptureSession, limit: usize, take: bool) -> (Vec<Guidance>, Option<Vec<u8>>) {
    let mut seen = Vec::new();
    for _ in 0..limit {
        let step = session.step(take).unwrap();
        assert!(image::load_from_memory(&step.preview_jpeg).is_ok());
        if seen.last() != Some(&step.verdict.guidance) {
            seen.push(step.verdict.guidance);
        }
        if step.photo.is_some() {
            return (seen, step.photo);
        }
    }
    (seen, None)
}

fn one_face(jpeg: &[u8]) -> bool {
    let photo = certdesk_face::decode(jpeg).unwrap();
    certdesk_face::detect(&photo.to_luma8()).len() == 1
}

#[test]
fn a_webcam_through_nokhwa_streams_yuyv_and_mjpeg_and_a_photo_is_taken() {
    for format in [FrameFormat::YUYV, FrameFormat::MJPEG] {
        let camera = FakeWebcam::new(format, vec![held_frame()]).into_camera();
        let mut source = WebcamSource::from_camera(camera).unwrap();
        assert_eq!(source.name(), "Fake USB Camera");
        let frame = source.next_frame().unwrap();
        assert_eq!(frame.dimensions(), (640, 480));
        let mut session = CaptureSession::new(Box::new(source));
        let (seen, photo) = capture(&mut session, 60, true);
        assert_eq!(seen, vec![Guidance::Ready], "{format}");
        assert!(one_face(&photo.expect("a photo after the hold")), "{format}");
    }
}

#[test]
fn a_busy_camera_a_refused_permission_and_an_unplugged_one_are_told_apart() {
    let refused = |why: &str| {
        let mut fake = FakeWebcam::new(FrameFormat::YUYV, vec![held_frame()]);
        fake.refuse_open = Some(why.into());
        WebcamSource::from_camera(fake.into_camera()).err().unwrap()
    };
    assert_eq!(refused("Device or resource busy (os error 16)"), CameraError::InUse);
    assert_eq!(refused("Permission denied (os error 13)"), CameraError::PermissionDenied);
    // Media Foundation's, as windows-rs writes them (the message in the user's language, the HRESULT).
    assert_eq!(refused("拒绝访问。 (0x80070005)"), CameraError::PermissionDenied, "the privacy switch is off");
    assert_eq!(
        refused("Hardware MFT failed to start streaming due to lack of hardware resources. (0xC00D3704)"),
        CameraError::InUse
    );
    // AVFoundation's.
    assert_eq!(
        refused("Cannot Use FaceTime HD Camera: the device is in use by another application"),
        CameraError::InUse
    );
    assert_eq!(refused("The application is not authorized to use the camera"), CameraError::PermissionDenied);
    assert!(CameraError::PermissionDenied.to_string().contains("隐私与安全性"));

    let mut fake = FakeWebcam::new(FrameFormat::YUYV, vec![held_frame()]);
    fake.unplug_after = Some(2);
    let mut source = WebcamSource::from_camera(fake.into_camera()).unwrap();
    source.next_frame().unwrap();
    source.next_frame().unwrap();
    assert_eq!(source.next_frame().unwrap_err(), CameraError::Disconnected);
    // Dropping an unplugged camera does not panic (nokhwa's own Drop would).
    drop(source);

    // A USB camera pulled out under Media Foundation; plugged back in, it opens again in the same run.
    let mut fake = FakeWebcam::new(FrameFormat::YUYV, vec![held_frame()]);
    fake.unplug_after = Some(1);
    fake.unplugged = "视频录制设备不再存在。 (0xC00D3EA2)".into();
    let mut source = WebcamSource::from_camera(fake.into_camera()).unwrap();
    source.next_frame().unwrap();
    assert_eq!(source.next_frame().unwrap_err(), CameraError::Disconnected);
    drop(source);
    let mut again =
        WebcamSource::from_camera(FakeWebcam::new(FrameFormat::YUYV, vec![held_frame()]).into_camera()).unwrap();
    again.next_frame().unwrap();
}

#[test]
fn the_demo_sequence_moves_into_the_oval_and_passes_and_a_rehearsal_takes_nothing() {
    // Paced as the app's demo camera is: the photo needs the checks held for 700 ms, and the held
    // part of a loop lasts 30 frames. Unpaced, a fast machine ran through those 30 frames in under
    // 700 ms, never took the photo and failed a clean-clone CI run.
    let source = FixtureSource::new("演示摄像头", demo_sequence(), PREFERRED_FPS).unwrap();
    let mut session = CaptureSession::new(Box::new(source));
    let (seen, photo) = capture(&mut session, 200, true);
    // Far away, then 请靠近一些 as it approaches, then it passes and the photo is taken.
    let too_far = seen.iter().position(|g| *g == Guidance::TooFar).expect("请靠近一些 on the way in");
    assert_eq!(seen[too_far..], [Guidance::TooFar, Guidance::Ready], "{seen:?}");
    assert!(one_face(&photo.unwrap()));

    let source = FixtureSource::new("演示摄像头", demo_sequence(), PREFERRED_FPS).unwrap();
    let mut rehearsal = CaptureSession::new(Box::new(source));
    // 100 steps end in the held part of the second loop (frames 24–53 of 54), never on a frame of the
    // approach whose face is within a pixel of 请靠近一些's threshold.
    let (seen, photo) = capture(&mut rehearsal, 100, false);
    assert_eq!(seen.last(), Some(&Guidance::Ready));
    assert_eq!(photo, None);
}

#[test]
fn taking_a_photo_by_hand_needs_a_frame_that_passed() {
    let coffee = image::open(format!("{}/../../tests/fixtures/camera/coffee.png", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .to_rgb8();
    let mut session = CaptureSession::new(Box::new(FixtureSource::new("杯子", vec![coffee], 1000).unwrap()));
    session.step(true).unwrap();
    assert_eq!(session.take_now(), Err(TakeRefused::NotReady(Guidance::NoFace)));

    let mut session = CaptureSession::new(Box::new(FixtureSource::new("人像", vec![held_frame()], 1000).unwrap()));
    session.step(true).unwrap();
    assert!(one_face(&session.take_now().unwrap()));
}

#[test]
fn a_fixture_source_plays_a_file_or_a_folder_and_refuses_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let frames = demo_sequence();
    for (i, frame) in frames.iter().take(3).enumerate() {
        frame.save(dir.path().join(format!("frame-{i:02}.png"))).unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), "not a frame").unwrap();
    let mut folder = FixtureSource::open(dir.path(), 1000).unwrap();
    let played: Vec<RgbImage> = (0..4).map(|_| folder.next_frame().unwrap()).collect();
    assert_eq!(played[0], frames[0]);
    assert_eq!(played[2], frames[2]);
    assert_eq!(played[3], frames[0], "it loops");

    let mut file = FixtureSource::open(&dir.path().join("frame-01.png"), 1000).unwrap();
    assert_eq!(file.next_frame().unwrap(), frames[1]);
    assert!(matches!(FixtureSource::open(&dir.path().join("missing.png"), 30), Err(CameraError::Fixture(_))));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(FixtureSource::open(empty.path(), 30), Err(CameraError::Fixture(_))));
}

#[test]
fn the_configuration_names_the_source() {
    assert_eq!(SourceConfig::parse(None), SourceConfig::Webcam);
    assert_eq!(SourceConfig::parse(Some("demo")), SourceConfig::Demo);
    assert_eq!(SourceConfig::parse(Some("fixture:/tmp/x.png")), SourceConfig::Fixture("/tmp/x.png".into()));
    let demo = SourceConfig::Demo;
    assert_eq!(demo.devices().unwrap()[0].name, "演示摄像头");
    assert!(demo.open(0).is_ok());
}

#[test]
fn frames_decode_from_yuyv_and_mjpeg_and_garbage_is_refused() {
    let frame = held_frame();
    let yuyv = decode_frame(FrameFormat::YUYV, 640, 480, &rgb_to_yuyv(&frame)).unwrap();
    // YUYV shares colour between two pixels: close, not equal.
    let diff: f64 = yuyv.as_raw().iter().zip(frame.as_raw()).map(|(a, b)| f64::from(a.abs_diff(*b))).sum::<f64>()
        / frame.as_raw().len() as f64;
    assert!(diff < 4.0, "mean difference {diff}");
    let mjpeg = decode_frame(FrameFormat::MJPEG, 640, 480, &encode_jpeg(&frame, 90).unwrap()).unwrap();
    assert_eq!(mjpeg.dimensions(), (640, 480));
    assert!(matches!(decode_frame(FrameFormat::MJPEG, 640, 480, b"garbage"), Err(CameraError::Unreadable(_))));
    assert!(matches!(decode_frame(FrameFormat::YUYV, 640, 480, &[0; 100]), Err(CameraError::Unreadable(_))));
    assert!(matches!(decode_frame(FrameFormat::NV12, 640, 480, &[0; 100]), Err(CameraError::Unreadable(_))));
}
