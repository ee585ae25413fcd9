// The UI's one door to the app: typed wrappers over the generated bindings. Nothing outside
// src/api imports @tauri-apps/*.
import { Channel } from '@tauri-apps/api/core';
import { commands, events } from './bindings';
import type {
  AboutView,
  AccountSettings,
  AccountView,
  ApiError,
  ApplicationForm,
  CaptureStatus,
  DemoStaffView,
  DeskInfo,
  ErrorCode,
  FieldError,
  InvoiceForm as InvoiceApplication,
  InvoiceFieldError,
  OrderQuery,
  PaymentMethod,
  PinSlipRequest,
  Registration,
  RevocationReason,
  StaffAccountView,
  StaffRole,
  StatusChange,
  UkeyStep,
} from './bindings';

export type {
  AccountView,
  ApplicationForEdit,
  ApplicationForm,
  DeskInfo,
  LocalKeyNotice,
  DraftSummary,
  DraftView,
  ErrorCode,
  FieldError,
  FormField,
  OrderDetailView,
  OrderQuery,
  OrderRow,
  OrderRowPage,
  PlatformSettings,
  Provider,
  Registration,
  StatusChange,
  CameraChoice,
  CaptureStatus,
  DeviceInfo,
  FaceAttemptView,
  FaceAttemptsView,
  Guidance,
  PaymentMethod,
  PaymentProgressView,
  PaymentStart,
  PaymentState,
  QueueRow,
  StaffAccountView,
  StaffOrderView,
  StaffRole,
  DemoStaffView,
  PaymentRecord,
  HistoryRow,
  StaffMemberView,
  IdCardView,
  OrganisationAccount,
  AuditRow,
  AuditAction,
  FaceAttemptRow,
  CertificateRecord,
  UkeyView,
  UkeyList,
  UkeyIssued,
  UkeyStep,
  PinSlipRequest,
  RevocationReason,
  AccountSettings,
  DemoMessage,
  InvoiceForm as InvoiceApplication,
  InvoiceField,
  InvoiceFieldError,
  InvoiceRecord,
  CertificateLifecycle,
  ManagedCertificate,
} from './bindings';

/** The 操作日志's filters and page (every filter optional). */
export type AuditQuery = {
  memberId: number | null;
  orderNo: string | null;
  from: string | null;
  to: string | null;
  page: number;
  pageSize: number;
};

/** A staff queue's filters and page (every filter optional). */
export type QueueQuery = {
  providerId: string | null;
  verification: 'verified' | 'awaitingMaterials' | 'materialsReceived' | 'inPerson' | null;
  submittedFrom: string | null;
  submittedTo: string | null;
  page: number;
  pageSize: number;
};

/** A command refused or failed: `code` for branching, `message` in Chinese for the user. */
export class CommandError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldError[];
  /** 发票申请's fields refused, each with why. */
  readonly invoiceFields: InvoiceFieldError[];

  constructor(error: ApiError) {
    super(error.message);
    this.name = 'CommandError';
    this.code = error.code;
    this.fields = error.fields ?? [];
    this.invoiceFields = error.invoiceFields ?? [];
  }
}

type CommandResult<T> = { status: 'ok'; data: T } | { status: 'error'; error: ApiError };

function isApiError(value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}

async function unwrap<T>(call: () => Promise<CommandResult<T>>): Promise<T> {
  let result: CommandResult<T>;
  try {
    result = await call();
  } catch (e) {
    // Framework-level failures (unknown command, bad argument) arrive as strings or Errors.
    throw new CommandError({ code: 'internal', message: `应用内部错误：${String(e)}` });
  }
  if (result.status === 'ok') return result.data;
  const error = result.error as unknown;
  throw new CommandError(
    isApiError(error) ? error : { code: 'internal', message: `应用内部错误：${String(error)}` },
  );
}

export const api = {
  appInfo: (): Promise<DeskInfo> => commands.appInfo(),
  about: (): Promise<AboutView> => commands.about(),
  /** Tells `cargo xtask bench app` that `what` is on screen; never fails the page. */
  markReady: (what: string): void => void commands.markReady(what).catch(() => undefined),
  listProviders: () => unwrap(() => commands.listProviders()),
  listOrders: (query: OrderQuery) => unwrap(() => commands.listOrders(query)),
  orderDetail: (orderNo: string) => unwrap(() => commands.orderDetail(orderNo)),
  syncOrders: () => unwrap(() => commands.syncOrders()),
  platformSettings: () => unwrap(() => commands.platformSettings()),
  choosePaperDocuments: (orderNo: string) => unwrap(() => commands.choosePaperDocuments(orderNo)),
  cancelOrder: (orderNo: string) => unwrap(() => commands.cancelOrder(orderNo)),
  /** The core's verdict on a form being typed: every refused field, empty when acceptable. */
  checkApplication: (form: ApplicationForm, keptIdNumber: string | null = null): Promise<FieldError[]> =>
    commands.checkApplication(form, keptIdNumber),
  /** Submits; the draft it was typed in is discarded once the platform has the order. */
  submitApplication: (form: ApplicationForm, draftId: string | null = null) =>
    unwrap(() => commands.submitApplication(form, draftId)),
  /** Who is signed in; `null` shows the login screen. */
  account: (): Promise<AccountView | null> => commands.account(),
  logIn: (username: string, password: string) => unwrap(() => commands.logIn(username, password)),
  register: (registration: Registration) => unwrap(() => commands.register(registration)),
  logOut: () => unwrap(() => commands.logOut()),
  /** The platform said the session is no longer valid: forget it here too. */
  forgetSession: () => unwrap(() => commands.forgetSession()),
  saveDraft: (draft: { id: string | null; orderNo: string | null; form: ApplicationForm; step: number }) =>
    unwrap(() => commands.saveDraft(draft)),
  listDrafts: () => unwrap(() => commands.listDrafts()),
  openDraft: (id: string) => unwrap(() => commands.openDraft(id)),
  draftForOrder: (orderNo: string) => unwrap(() => commands.draftForOrder(orderNo)),
  discardDraft: (id: string) => unwrap(() => commands.discardDraft(id)),
  applicationForEdit: (orderNo: string) => unwrap(() => commands.applicationForEdit(orderNo)),
  resubmitApplication: (orderNo: string, form: ApplicationForm, draftId: string | null = null) =>
    unwrap(() => commands.resubmitApplication(orderNo, form, draftId)),
  /** 发票申请 with the dialog's fields. */
  requestInvoice: (orderNo: string, form: InvoiceApplication) =>
    unwrap(() => commands.requestInvoice(orderNo, form)),
  /** What the 发票申请 dialog starts with: 机构名称, 统一社会信用代码 and the application's email. */
  invoicePrefill: (orderNo: string) => unwrap(() => commands.invoicePrefill(orderNo)),
  orderInvoice: (orderNo: string) => unwrap(() => commands.orderInvoice(orderNo)),
  /** Saves the invoice's PDF in Downloads; resolves to where, for `openSavedFile`. */
  saveInvoice: (orderNo: string) => unwrap(() => commands.saveInvoice(orderNo)),
  /** 重新发送, to `email` when corrected (null: the same address). */
  resendInvoice: (orderNo: string, email: string | null) => unwrap(() => commands.resendInvoice(orderNo, email)),
  accountSettings: () => unwrap(() => commands.accountSettings()),
  changeAccountSettings: (settings: AccountSettings) => unwrap(() => commands.changeAccountSettings(settings)),
  /** The demo's 演示邮箱: the embedded platform's email, newest first. */
  demoMailbox: () => unwrap(() => commands.demoMailbox()),
  /** Saves a message's attachment in Downloads; resolves to where, for `openSavedFile`. */
  saveMailAttachment: (file: string, name: string) => unwrap(() => commands.saveMailAttachment(file, name)),
  openMailFolder: () => unwrap(() => commands.openMailFolder()),
  /** Asks the system for the camera (macOS: its dialog, the first time); resolves once allowed. */
  requestCameraAccess: () => unwrap(() => commands.requestCameraAccess()),
  /** The cameras, with the one chosen last time. */
  cameraDevices: () => unwrap(() => commands.cameraDevices()),
  /**
   * Starts the camera: each preview frame arrives as JPEG bytes, each status after it. With
   * `rehearsal` (检测环境) nothing is ever taken.
   */
  startFaceCapture: (
    device: number,
    rehearsal: boolean,
    onFrame: (jpeg: ArrayBuffer) => void,
    onStatus: (status: CaptureStatus) => void,
  ) => {
    const frames = new Channel<ArrayBuffer>();
    frames.onmessage = onFrame;
    const status = new Channel<CaptureStatus>();
    status.onmessage = onStatus;
    // The frames channel travels inside the request as its id (it serialises itself to one).
    return unwrap(() =>
      commands.startFaceCapture({ device, rehearsal, frames: frames as unknown as string }, status),
    );
  },
  takePhoto: (): Promise<void> => commands.takePhoto(),
  stopFaceCapture: () => unwrap(() => commands.stopFaceCapture()),
  discardPhoto: (): Promise<void> => commands.discardPhoto(),
  faceAttempts: (orderNo: string) => unwrap(() => commands.faceAttempts(orderNo)),
  /** Sends the photo the capture took (kept by the app, never by the window) as one attempt. */
  submitFaceAttempt: (orderNo: string) => unwrap(() => commands.submitFaceAttempt(orderNo)),
  /** Saves 邮寄纸质资料's cover sheet (PDF) in Downloads; resolves to where. */
  saveCoverSheet: (orderNo: string) => unwrap(() => commands.saveCoverSheet(orderNo)),
  openSavedFile: (path: string) => unwrap(() => commands.openSavedFile(path)),
  /** 确认付款: opens the payment at the gateway (支付宝's page opens in the browser by itself). */
  startPayment: (orderNo: string, method: PaymentMethod) => unwrap(() => commands.startPayment(orderNo, method)),
  /** Opens 支付宝's page of a payment opened here again. */
  reopenPayPage: (outTradeNo: string) => unwrap(() => commands.reopenPayPage(outTradeNo)),
  /** Where a payment stands: the platform asks the gateway. */
  paymentProgress: (orderNo: string, outTradeNo: string) =>
    unwrap(() => commands.paymentProgress(orderNo, outTradeNo)),

  // The staff workbench (工作台): a staff session beside the organisation's.
  /** The staff member signed in here; `null` shows the 员工登录 form. */
  staffAccount: (): Promise<StaffAccountView | null> => commands.staffAccount(),
  /** The embedded platform's demo staff and their password (none on a real platform). */
  demoStaff: (): Promise<DemoStaffView> => commands.demoStaff(),
  staffLogIn: (username: string, password: string) => unwrap(() => commands.staffLogIn(username, password)),
  staffLogOut: () => unwrap(() => commands.staffLogOut()),
  /** The platform refused the staff session: forget it here too (the organisation stays signed in). */
  forgetStaffSession: () => unwrap(() => commands.forgetStaffSession()),
  reviewQueue: (query: QueueQuery) => unwrap(() => commands.reviewQueue(query)),
  productionQueue: (query: QueueQuery) => unwrap(() => commands.productionQueue(query)),
  staffOrder: (orderNo: string) => unwrap(() => commands.staffOrder(orderNo)),
  markMaterialsReceived: (orderNo: string) => unwrap(() => commands.markMaterialsReceived(orderNo)),
  approveOrder: (orderNo: string) => unwrap(() => commands.approveOrder(orderNo)),
  rejectOrder: (orderNo: string, reason: string) => unwrap(() => commands.rejectOrder(orderNo, reason)),
  shipOrder: (orderNo: string, courier: string, trackingNo: string) =>
    unwrap(() => commands.shipOrder(orderNo, courier, trackingNo)),
  // 管理 (administrators): staff accounts.
  staffMembers: () => unwrap(() => commands.staffMembers()),
  addStaffMember: (member: { username: string; displayName: string; password: string; roles: StaffRole[] }) =>
    unwrap(() => commands.addStaffMember(member)),
  setStaffRoles: (id: number, roles: StaffRole[]) => unwrap(() => commands.setStaffRoles(id, roles)),
  setStaffDisabled: (id: number, disabled: boolean) => unwrap(() => commands.setStaffDisabled(id, disabled)),
  resetStaffPassword: (id: number, password: string) => unwrap(() => commands.resetStaffPassword(id, password)),
  /** 操作日志, newest first. */
  staffAudit: (query: AuditQuery) => unwrap(() => commands.staffAudit(query)),
  // 窗口 (the service counter): 现场受理 for walk-ins.
  /** 读取身份证: the card on the counter's reader. */
  readIdCard: () => unwrap(() => commands.readIdCard()),
  /** The organisation's account by its credit code; `null` when it has none yet. */
  findOrganisation: (creditCode: string) => unwrap(() => commands.findOrganisation(creditCode)),
  registerOrganisation: (registration: {
    organisationName: string;
    creditCode: string;
    username: string;
    password: string;
  }) => unwrap(() => commands.registerOrganisation(registration)),
  submitAtCounter: (form: ApplicationForm) => unwrap(() => commands.submitAtCounter(form)),
  checkIdCard: (orderNo: string, name: string, idNumber: string) =>
    unwrap(() => commands.checkIdCard(orderNo, name, idNumber)),
  takeCounterPayment: (orderNo: string, method: PaymentMethod, receiptNo: string) =>
    unwrap(() => commands.takeCounterPayment(orderNo, method, receiptNo)),
  /** 现场发证: approved (if still waiting) and handed over. */
  issueAtCounter: (orderNo: string) => unwrap(() => commands.issueAtCounter(orderNo)),
  refundAtCounter: (orderNo: string, receiptNo: string) => unwrap(() => commands.refundAtCounter(orderNo, receiptNo)),
  /** Saves the 受理回执 (PDF) in Downloads; resolves to where, for `openSavedFile`. */
  saveCounterReceipt: (orderNo: string) => unwrap(() => commands.saveCounterReceipt(orderNo)),
  /** Saves the 邮寄清单 of a day (`YYYY-MM-DD`, today when null). */
  saveShippingList: (date: string | null) => unwrap(() => commands.saveShippingList(date)),
  // 制证 onto the organisation's UKey.
  /** 检测UKey: the UKeys plugged in, and the drivers that did not load. */
  listUkeys: () => unwrap(() => commands.listUkeys()),
  /** 写入证书: progress arrives through `onUkeyProgress`; resolves to the certificate and the new PIN. */
  writeCertificateToUkey: (orderNo: string, ukeySerial: string, pin: string) =>
    unwrap(() => commands.writeCertificateToUkey(orderNo, ukeySerial, pin)),
  /** 插入新的演示UKey (the demo only); resolves to the UKeys then plugged in. */
  plugDemoUkey: () => unwrap(() => commands.plugDemoUkey()),
  changeUkeyPin: (ukeySerial: string, oldPin: string, newPin: string) =>
    unwrap(() => commands.changeUkeyPin(ukeySerial, oldPin, newPin)),
  /** Saves the 密码信封 (PDF, made here) in Downloads; resolves to where. */
  savePinSlip: (slip: PinSlipRequest) => unwrap(() => commands.savePinSlip(slip)),
  /** 吊销 (staff): resolves to the certificate as it now stands. */
  revokeCertificate: (serial: string, reason: RevocationReason) => unwrap(() => commands.revokeCertificate(serial, reason)),
  // 证书信息 in 查看.
  orderCertificates: (orderNo: string) => unwrap(() => commands.orderCertificates(orderNo)),
  /** Saves the certificate (.cer) and its CA's chain (.pem) in Downloads; resolves to both paths. */
  saveCertificate: (orderNo: string, serial: string) => unwrap(() => commands.saveCertificate(orderNo, serial)),
  /** CA证书管理: the organisation's certificates, with where each stands and whether it is bound. */
  accountCertificates: () => unwrap(() => commands.accountCertificates()),
  /** 绑定 the certificate on the UKey `serial` (its PIN goes to the UKey and nowhere else). */
  bindUkeyCertificate: (serial: string, pin: string) => unwrap(() => commands.bindUkeyCertificate(serial, pin)),
  unbindCertificate: (serial: string) => unwrap(() => commands.unbindCertificate(serial)),
  /** 证书登录: signed in with the UKey, no password. */
  logInWithUkey: (serial: string, pin: string) => unwrap(() => commands.logInWithUkey(serial, pin)),
  /** 续期 (`reissue` false) or 补办 (true: the certificate is revoked at once): the new order. */
  replaceCertificate: (serial: string, reissue: boolean) => unwrap(() => commands.replaceCertificate(serial, reissue)),
  /** CA证书管理's health panel: each UKey plugged in with the certificates on it, and driver problems. */
  ukeyHealth: () => unwrap(() => commands.ukeyHealth()),
  /** 注销: revoked, no replacement. */
  cancelCertificate: (serial: string) => unwrap(() => commands.cancelCertificate(serial)),
  /** The demo only: back in as the demo organisation after 退出登录. */
  demoLogIn: () => unwrap(() => commands.demoLogIn()),
};

/** Calls `onStep` as each step of 写入证书 starts. Resolves to the function that stops listening. */
export function onUkeyProgress(onStep: (orderNo: string, step: UkeyStep) => void): Promise<() => void> {
  return events.ukeyProgress.listen((event) => onStep(event.payload.orderNo, event.payload.step));
}

/** Calls `onReturn` with the trade number whenever the gateway's page sends the browser back. */
export function onPayReturned(onReturn: (outTradeNo: string) => void): Promise<() => void> {
  return events.payReturned.listen((event) => onReturn(event.payload.outTradeNo));
}

/**
 * Calls `onChange` whenever the platform changes one of the organisation's orders (a review,
 * production, mailing). Resolves to the function that stops listening.
 */
export function onOrderStatusChanged(onChange: (change: StatusChange) => void): Promise<() => void> {
  return events.orderStatusChanged.listen((event) => onChange(event.payload as StatusChange));
}

/** What to tell the user about anything a command or the UI threw. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** ¥1,234.50 from integer fen, for display only. */
export function formatFen(fen: number): string {
  const yuan = Math.floor(Math.abs(fen) / 100).toLocaleString('en-US');
  const cents = String(Math.abs(fen) % 100).padStart(2, '0');
  return `${fen < 0 ? '-' : ''}¥${yuan}.${cents}`;
}
