use crate::system::{self, Failure};
use nokhwa::NokhwaError;

/// What can go wrong with a camera, said so that the applicant knows what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraError {
    #[error("未检测到摄像头：请连接摄像头后重试，或选择邮寄纸质资料")]
    NoCamera,
    #[error(
        "系统未允许证书办理台使用摄像头。Windows：设置 → 隐私和安全性 → 摄像头，打开“允许桌面应用访问你的摄像头”；macOS：系统设置 → 隐私与安全性 → 摄像头，勾选“CertDesk”（证书办理台）。允许后重新打开本页面"
    )]
    PermissionDenied,
    #[error("此电脑的管理设置（家长控制或设备管理）不允许使用摄像头：请联系电脑的管理员，或选择邮寄纸质资料")]
    Restricted,
    #[error("摄像头正被其他程序使用：请关闭其他使用摄像头的程序（如视频会议软件）后重试")]
    InUse,
    #[error("摄像头已断开：请重新连接摄像头后重试")]
    Disconnected,
    #[error("无法读取摄像头画面：{0}")]
    Unreadable(String),
    #[error("测试画面无法读取：{0}")]
    Fixture(String),
}

/// Where in the camera's life an error happened: the same OS error means different things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Open,
    Read,
}

impl CameraError {
    /// Turns nokhwa's error into the applicant's: its variants carry the OS's text, so the text is
    /// what tells permission, a busy device and an unplugged one apart (each system's reader is in
    /// [`crate::system`]).
    pub(crate) fn from_nokhwa(error: &NokhwaError, stage: Stage) -> CameraError {
        let text = error.to_string();
        if let Some(failure) = system::failure_in(&text.to_lowercase()) {
            return CameraError::from_failure(failure, stage);
        }
        match (error, stage) {
            (NokhwaError::OpenDeviceError(..), _) => CameraError::NoCamera,
            (NokhwaError::ReadFrameError(_), Stage::Read) => CameraError::Disconnected,
            _ => CameraError::Unreadable(text),
        }
    }

    pub(crate) fn from_failure(failure: Failure, stage: Stage) -> CameraError {
        match (failure, stage) {
            (Failure::Denied, _) => CameraError::PermissionDenied,
            (Failure::Restricted, _) => CameraError::Restricted,
            (Failure::InUse, _) => CameraError::InUse,
            (Failure::Gone, Stage::Open) => CameraError::NoCamera,
            (Failure::Gone, Stage::Read) => CameraError::Disconnected,
        }
    }
}
