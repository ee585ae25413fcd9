import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient } from '../../../App';
import type { ApplicationForm, OrderQuery, OrderRow } from '../../../api';
import { pageOf } from '../../../test/fixtures';
import { FIRST_PAGE, orderKeys } from './service';
import ApplyListPage from '.';
import { bySelector, button, openDialog } from '../../../test/dom';

const providers = [
  { id: 'zjhx', name: '浙江汇信CA', unitFee: 30000, demo: true },
  { id: 'demo-free', name: '演示CA（免缴费）', unitFee: 0, demo: true },
];

function rowFor(form: ApplicationForm): OrderRow {
  return {
    order: {
      orderNo: '159110370124321',
      providerId: form.providerId,
      providerName: '浙江汇信CA',
      organisationName: form.organisationName,
      applicantName: form.applicantName,
      quantity: form.quantity,
      fee: 30000 * form.quantity,
      status: { state: 'pendingVerification' },
      submittedAt: '2020-06-02T21:14:41+08:00',
    },
    statusZh: '待认证',
    statusEn: 'Pending verification',
    submittedAtText: '2020-06-02 21:14:41',
  };
}

type SavedDraft = { id: string; orderNo: string | null; form: ApplicationForm; step: number };

/** A fake app behind IPC: remembers submitted orders and drafts like the real local store. */
function mockApp(options: { refuse?: boolean; check?: (form: ApplicationForm) => unknown[] } = {}) {
  const orders: OrderRow[] = [];
  const submitted: { form: ApplicationForm; draftId: string | null }[] = [];
  const resubmitted: { orderNo: string; form: ApplicationForm; draftId: string | null }[] = [];
  const cancelled: string[] = [];
  const invoiced: { orderNo: string; form: unknown }[] = [];
  const drafts: SavedDraft[] = [];
  const queries: OrderQuery[] = [];
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case 'save_draft': {
        const input = a.draft as SavedDraft & { id: string | null };
        const id = input.id ?? `draft-${drafts.length + 1}`;
        const existing = drafts.findIndex((d) => d.id === id);
        const saved = { ...input, id };
        if (existing >= 0) drafts.splice(existing, 1);
        drafts.unshift(saved);
        return { id, orderNo: input.orderNo, label: input.form.organisationName || '未填写机构名称', step: input.step, updatedAtText: '2026-11-28 10:00:00' };
      }
      case 'list_drafts':
        return drafts.map((d) => ({ id: d.id, orderNo: d.orderNo, label: d.form.organisationName || '未填写机构名称', step: d.step, updatedAtText: '2026-11-28 10:00:00' }));
      case 'open_draft':
        return structuredClone(drafts.find((d) => d.id === a.id)!);
      case 'draft_for_order':
        return structuredClone(drafts.find((d) => d.orderNo === a.orderNo) ?? null);
      case 'discard_draft':
        drafts.splice(drafts.findIndex((d) => d.id === a.id), 1);
        return null;
      case 'application_for_edit': {
        const row = orders.find((o) => o.order.orderNo === a.orderNo)!;
        const reason = row.order.status.state === 'rejected' ? row.order.status.reason : null;
        return { orderNo: a.orderNo, form: { ...filledForm, idNumber: '330***********0018' }, reason };
      }
      case 'resubmit_application': {
        resubmitted.push({ orderNo: a.orderNo as string, form: a.form as ApplicationForm, draftId: a.draftId as string | null });
        const row = orders.find((o) => o.order.orderNo === a.orderNo)!;
        row.order.status = { state: 'pendingReview', verification: 'materialsReceived' };
        row.statusZh = '待审核 (材料已收)';
        return structuredClone(row);
      }
      case 'invoice_prefill':
        return { title: '晨安入驻供应商', taxpayerId: '91330106MA27XY812F', email: 'invoice@example.com' };
      case 'request_invoice': {
        const form = a.form as { email: string };
        if (!form.email.includes('.')) {
          throw {
            code: 'validation',
            message: '发票信息有误',
            fields: [],
            invoiceFields: [{ field: 'email', message: '电子邮箱格式不正确' }],
          };
        }
        invoiced.push({ orderNo: a.orderNo as string, form });
        const row = orders.find((o) => o.order.orderNo === a.orderNo)!;
        if (row.order.status.state === 'issued') row.order.status.invoice = 'issued';
        return structuredClone(row);
      }
      case 'list_providers':
        return providers;
      case 'cancel_order': {
        const row = orders.find((o) => o.order.orderNo === (args as { orderNo: string }).orderNo)!;
        row.order.status = { state: 'cancelled', refundOwed: false };
        row.statusZh = '已撤销';
        cancelled.push(row.order.orderNo);
        return structuredClone(row);
      }
      case 'check_application':
        if ((a.keptIdNumber as string | null) && (a.form as ApplicationForm).idNumber === a.keptIdNumber) return [];
        return options.check?.((args as { form: ApplicationForm }).form) ?? [];
      case 'order_detail': {
        const row = orders.find((o) => o.order.orderNo === (args as { orderNo: string }).orderNo)!;
        return {
          row,
          history: [{ atText: row.submittedAtText, actorZh: '申领人', statusZh: '待认证', reason: null }],
          eta: null,
        };
      }
      case 'sync_orders':
        return orders.length;
      case 'list_orders':
        queries.push(a.query as OrderQuery);
        return pageOf(orders, a.query as OrderQuery);
      case 'submit_application': {
        const form = (args as { form: ApplicationForm }).form;
        submitted.push({ form, draftId: a.draftId as string | null });
        if (options.refuse) {
          throw {
            code: 'validation',
            message: '申领信息有误：统一社会信用代码校验位错误，请核对后重新输入',
            fields: [{ field: 'creditCode', message: '统一社会信用代码校验位错误，请核对后重新输入' }],
          };
        }
        const row = rowFor(form);
        orders.unshift(row);
        return row;
      }
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return { orders, submitted, resubmitted, cancelled, invoiced, drafts, queries };
}

const filledForm: ApplicationForm = {
  providerId: 'zjhx',
  quantity: 1,
  organisationName: '晨安入驻供应商',
  creditCode: '91330106MA27XY812F',
  applicantName: '陈晨',
  idNumber: '330102198001010018',
  mobile: '13800138000',
  email: 'invoice@example.com',
  delivery: 'mail',
  recipient: '陈晨',
  recipientMobile: '13800138000',
  address: '浙江省杭州市西湖区文三路1号',
};

function renderPage() {
  return render(
    <AppProviders queryClient={createQueryClient()}>
      <ApplyListPage />
    </AppProviders>,
  );
}

async function fillApplication() {
  const dialog = await openDialog();
  // One change event per field: what a paste does, and far faster than typing in jsdom.
  const fill = async (label: string, text: string) => {
    fireEvent.change(within(dialog).getByLabelText(label), { target: { value: text } });
  };
  await waitFor(() => expect(within(dialog).getByText('¥300.00')).toBeTruthy());
  await fill('机构名称', '晨安入驻供应商');
  await fill('统一社会信用代码', '91330106MA27XY812F');
  await fill('申领人', '陈晨');
  await fill('身份证号', '330102198001010018');
  await fill('手机号码', '13800138000');
  await fill('电子邮箱', 'invoice@example.com');
  await fill('收件人', '陈晨');
  await fill('收件人手机号码', '13800138000');
  await fill('邮寄地址', '浙江省杭州市西湖区文三路1号');
  return dialog;
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('CA证书申领', () => {
  it('shows the guide’s columns and an empty state when there are no orders', async () => {
    mockApp();
    renderPage();
    for (const title of ['CA服务商', '订单编号', '机构名称', '申领人', '申领时间', '状态', '操作']) {
      expect(screen.getAllByText(title).length).toBeGreaterThan(0);
    }
    expect(await screen.findByText('暂无申领记录，点击右上角【CA在线申领】开始办理')).toBeTruthy();
  });

  it('submits an application and lists the new order as 待认证', async () => {
    const app = mockApp();
    const user = userEvent.setup({ delay: null });
    renderPage();
    await user.click(await button('CA在线申领'));
    const dialog = await fillApplication();
    await user.click(within(dialog).getByText('下一步'));
    // 核对信息: what was typed, to check before 提交.
    const review = await within(dialog).findByText('请核对申领信息');
    expect(review).toBeTruthy();
    expect(within(dialog).getByText('330102198001010018')).toBeTruthy();
    expect(app.submitted).toHaveLength(0);
    await user.click(within(dialog).getByText('提 交'));

    await waitFor(() => expect(app.submitted).toHaveLength(1));
    expect(await within(dialog).findByText('申领已提交')).toBeTruthy();
    // The draft the typing saved is handed to the submit, which discards it.
    expect(app.submitted[0].draftId).toBe('draft-1');
    expect(app.submitted[0].form).toMatchObject({
      providerId: 'zjhx',
      quantity: 1,
      creditCode: '91330106MA27XY812F',
      delivery: 'mail',
      address: '浙江省杭州市西湖区文三路1号',
    });
    const table = document.getElementById('orders')!;
    expect(await within(table).findByText('159110370124321')).toBeTruthy();
    expect(within(table).getByText('待认证')).toBeTruthy();
    expect(within(table).getByText('2020-06-02 21:14:41')).toBeTruthy();

    await user.click(within(table).getByText('查看'));
    // 查看 loads its drawer's code the first time it is opened.
    const detail = await bySelector('.order-detail');
    expect(await within(detail).findByText('申领详情')).toBeTruthy();
    expect(within(detail).getByText('¥300.00')).toBeTruthy();
    expect(within(detail).getByText('填写资料')).toBeTruthy();
    expect(await within(detail).findByText('办理记录')).toBeTruthy();
    expect(within(detail).getByText('待认证（申领人）')).toBeTruthy();
  });

  it('shows the core’s verdict on a field as it is typed and does not submit a refused form', async () => {
    const app = mockApp({
      check: (form) =>
        form.creditCode === '91330106MA27XY812E'
          ? [{ field: 'creditCode', message: '统一社会信用代码校验位错误，请核对后重新输入' }]
          : [],
    });
    const user = userEvent.setup({ delay: null });
    renderPage();
    await user.click(await button('CA在线申领'));
    const dialog = await openDialog();
    await user.click(within(dialog).getByLabelText('统一社会信用代码'));
    await user.paste('91330106MA27XY812E');
    expect(await within(dialog).findByText('统一社会信用代码校验位错误，请核对后重新输入')).toBeTruthy();
    await user.click(within(dialog).getByText('下一步'));
    await waitFor(() => expect(screen.getByText('申领信息有误，请按提示修改后再继续')).toBeTruthy());
    expect(within(dialog).queryByText('请核对申领信息')).toBeNull();
    expect(app.submitted).toHaveLength(0);
  });

  it('cancels an order only after the confirmation', async () => {
    const app = mockApp();
    app.orders.push(rowFor({ providerId: 'zjhx', quantity: 1, organisationName: '晨安入驻供应商', applicantName: '陈晨' } as ApplicationForm));
    const user = userEvent.setup({ delay: null });
    renderPage();
    const table = document.getElementById('orders')!;
    await user.click(await within(table).findByText('撤销'));
    expect(await screen.findByText('确定撤销该申领吗？')).toBeTruthy();
    expect(app.cancelled).toHaveLength(0);
    // antd spaces out two-character button labels.
    await user.click(await button('撤销'));
    await waitFor(() => expect(app.cancelled).toEqual(['159110370124321']));
    expect(await within(table).findByText('已撤销')).toBeTruthy();
    expect(within(table).queryByText('撤销')).toBeNull();
  });

  it('filters by CA服务商 after 展开', async () => {
    const app = mockApp();
    const paid = rowFor({ providerId: 'zjhx', quantity: 1, organisationName: '甲公司', applicantName: '陈晨' } as ApplicationForm);
    const free = structuredClone(paid);
    free.order.orderNo = '159110370124322';
    free.order.providerId = 'demo-free';
    free.order.providerName = '演示CA（免缴费）';
    free.order.organisationName = '乙公司';
    app.orders.push(free, paid);
    const user = userEvent.setup({ delay: null });
    renderPage();
    const table = document.getElementById('orders')!;
    expect(await within(table).findByText('乙公司')).toBeTruthy();
    expect(screen.queryByLabelText('CA服务商')).toBeNull();

    await user.click(await button('展开'));
    const provider = await screen.findByLabelText('CA服务商');
    fireEvent.mouseDown(provider);
    await user.click(await screen.findByTitle('演示CA（免缴费）'));
    await user.click(await button('搜索'));
    await waitFor(() => expect(within(table).queryByText('甲公司')).toBeNull());
    expect(within(table).getByText('乙公司')).toBeTruthy();
    // The search is the store's: the window asked for the filtered page, not for everything.
    expect(app.queries[app.queries.length - 1]).toMatchObject({ providerId: 'demo-free', page: 1, pageSize: 10 });
  });

  it('shows the first page asked for before it mounted (the start’s prefetch), under the key the list uses', async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      switch (cmd) {
        case 'list_orders':
          asked.push((args as { query: OrderQuery }).query);
          return { items: [], total: 0, page: 1, pageSize: 10 };
        case 'sync_orders':
          // The platform still answering: nothing invalidates the page meanwhile.
          return new Promise(() => undefined);
        case 'list_drafts':
          return [];
        case 'list_providers':
          return providers;
        default:
          throw new Error(`unexpected command ${cmd}`);
      }
    });
    const row = rowFor({ providerId: 'zjhx', quantity: 1, organisationName: '预取机构', applicantName: '陈晨' } as ApplicationForm);
    const client = createQueryClient();
    // Fresh for the whole test: no refetch on mount replaces what was prefetched.
    client.setQueryDefaults(orderKeys.pages, { staleTime: Infinity });
    client.setQueryData(orderKeys.page(FIRST_PAGE), pageOf([row], FIRST_PAGE));
    render(
      <AppProviders queryClient={client}>
        <ApplyListPage />
      </AppProviders>,
    );
    expect(await within(document.getElementById('orders')!).findByText('预取机构')).toBeTruthy();
    // Found in the cache under the list's own key: the store was never asked.
    expect(asked).toEqual([]);
  });

  it('pages through the list a page at a time, and a search starts again at its first page', async () => {
    const app = mockApp();
    for (let i = 0; i < 25; i++) {
      const row = rowFor({ providerId: 'zjhx', quantity: 1, organisationName: `机构${i}`, applicantName: '陈晨' } as ApplicationForm);
      row.order.orderNo = `1591103701${String(24 - i).padStart(5, '0')}`;
      if (i % 5 === 0) row.order.status = { state: 'cancelled', refundOwed: false };
      app.orders.push(row);
    }
    const user = userEvent.setup({ delay: null });
    renderPage();
    const table = document.getElementById('orders')!;
    expect(await within(table).findByText('机构0')).toBeTruthy();
    expect(within(table).getByText('共有 25 条')).toBeTruthy();
    // Ten rows in the window, not 25.
    expect(within(table).queryByText('机构10')).toBeNull();

    await user.click(within(table).getByTitle('3'));
    expect(await within(table).findByText('机构20')).toBeTruthy();
    expect(within(table).queryByText('机构0')).toBeNull();
    expect(app.queries[app.queries.length - 1]).toMatchObject({ page: 3, pageSize: 10 });

    fireEvent.change(screen.getByLabelText('订单编号'), { target: { value: ' 15911037010001 ' } });
    await user.click(await button('搜索'));
    await waitFor(() => expect(app.queries[app.queries.length - 1]).toMatchObject({ orderNo: '15911037010001', page: 1 }));
    expect(await within(table).findByText('共有 10 条')).toBeTruthy();
    expect(within(table).getByText('机构5')).toBeTruthy();
  });

  it('shows the platform’s refusal under the field it concerns', async () => {
    const app = mockApp({ refuse: true });
    const user = userEvent.setup({ delay: null });
    renderPage();
    await user.click(await button('CA在线申领'));
    const dialog = await fillApplication();
    await user.click(within(dialog).getByText('下一步'));
    await user.click(await within(dialog).findByText('提 交'));
    await waitFor(() => expect(app.submitted).toHaveLength(1));
    // Back on the form, with the platform's verdict under the field.
    expect(await within(dialog).findByText('统一社会信用代码校验位错误，请核对后重新输入')).toBeTruthy();
    expect(within(dialog).queryByText('请核对申领信息')).toBeNull();
    expect(app.orders).toHaveLength(0);
  });

  it('saves what is typed as a draft and continues it from 草稿箱', async () => {
    const app = mockApp();
    const user = userEvent.setup({ delay: null });
    renderPage();
    await user.click(await button('CA在线申领'));
    const dialog = await openDialog();
    fireEvent.change(within(dialog).getByLabelText('机构名称'), { target: { value: '晨安入驻供应商' } });
    fireEvent.change(within(dialog).getByLabelText('手机号码'), { target: { value: '13800138000' } });
    await waitFor(() => expect(app.drafts).toHaveLength(1));
    await waitFor(() => expect(app.drafts[0].form.mobile).toBe('13800138000'));
    expect(await within(dialog).findByText(/草稿已自动保存/)).toBeTruthy();
    // Closing keeps it; 草稿箱 lists it; 继续填写 brings the typing back.
    await user.click(within(dialog).getByText('取 消'));
    const box = await screen.findByText('草稿箱（1）');
    expect(box).toBeTruthy();
    await user.click(screen.getByText('继续填写'));
    const reopened = await openDialog();
    await waitFor(() =>
      expect((within(reopened).getByLabelText('手机号码') as HTMLInputElement).value).toBe('13800138000'),
    );
    expect(app.drafts).toHaveLength(1);
  });

  it('edits a rejected order with its reason shown, marks the change and resubmits', async () => {
    const app = mockApp();
    const rejected = rowFor(filledForm);
    rejected.order.status = { state: 'rejected', verification: 'materialsReceived', reason: '手机号码无法接通' };
    rejected.statusZh = '审核未通过 (材料已收)';
    app.orders.push(rejected);
    const user = userEvent.setup({ delay: null });
    renderPage();
    const table = document.getElementById('orders')!;
    await user.click(await within(table).findByText('编辑'));
    const dialog = await openDialog();
    expect(await within(dialog).findByText('不通过理由：手机号码无法接通')).toBeTruthy();
    await waitFor(() =>
      expect((within(dialog).getByLabelText('身份证号') as HTMLInputElement).value).toBe('330***********0018'),
    );
    expect(within(dialog).queryByText('已修改')).toBeNull();
    fireEvent.change(within(dialog).getByLabelText('手机号码'), { target: { value: '13900139000' } });
    expect(await within(dialog).findByText('已修改')).toBeTruthy();
    await user.click(within(dialog).getByText('下一步'));
    await user.click(await button('重新提交', dialog));
    await waitFor(() => expect(app.resubmitted).toHaveLength(1));
    expect(app.resubmitted[0]).toMatchObject({
      orderNo: '159110370124321',
      form: { mobile: '13900139000', idNumber: '330***********0018' },
    });
    expect(await within(dialog).findByText('已重新提交')).toBeTruthy();
  });

  it('requests the invoice of an issued order in the dialog, prefilled, with the field the platform refused', async () => {
    const app = mockApp();
    const approved = rowFor(filledForm);
    approved.order.status = { state: 'approved', verification: 'verified' };
    approved.statusZh = '审核通过, 待制证 (已认证)';
    const issued = rowFor(filledForm);
    issued.order.orderNo = '159110370124322';
    issued.order.status = {
      state: 'issued',
      verification: 'verified',
      delivery: { method: 'mailed', courier: '顺丰速运', trackingNo: 'SF1234567890' },
      invoice: 'notRequested',
    };
    issued.statusZh = '审核通过, 已发证 (已认证)';
    // A free order has nothing to invoice.
    const free = structuredClone(issued);
    free.order.orderNo = '159110370124323';
    free.order.fee = 0;
    app.orders.push(issued, approved, free);
    const user = userEvent.setup({ delay: null });
    renderPage();
    const table = document.getElementById('orders')!;
    // Only the issued order with a fee offers it (审核通过, 待制证 does not yet).
    expect(await within(table).findAllByText('发票申请')).toHaveLength(1);
    await user.click(within(table).getByText('发票申请'));
    const dialog = await openDialog();
    expect(within(dialog).getByText('电子发票（普通发票）')).toBeTruthy();
    expect(within(dialog).getByText(`¥${(issued.order.fee / 100).toFixed(2)}`)).toBeTruthy();
    const email = await waitFor(() => {
      const input = dialog.querySelector<HTMLInputElement>('#invoice_email')!;
      expect(input.value).toBe('invoice@example.com');
      return input;
    });
    expect(dialog.querySelector<HTMLInputElement>('#invoice_title')!.value).toBe('晨安入驻供应商');
    expect(dialog.querySelector<HTMLInputElement>('#invoice_taxpayerId')!.value).toBe('91330106MA27XY812F');

    // The platform refuses the address: said under the field, nothing requested.
    fireEvent.change(email, { target: { value: 'finance@example' } });
    await user.click(await button('提交申请', dialog));
    expect(await within(dialog).findByText('电子邮箱格式不正确')).toBeTruthy();
    expect(app.invoiced).toHaveLength(0);

    fireEvent.change(email, { target: { value: 'finance@example.com' } });
    await user.click(await button('提交申请', dialog));
    await waitFor(() =>
      expect(app.invoiced).toEqual([
        {
          orderNo: '159110370124322',
          form: { title: '晨安入驻供应商', taxpayerId: '91330106MA27XY812F', email: 'finance@example.com' },
        },
      ]),
    );
    expect(await within(table).findByText('发票已开具')).toBeTruthy();
    expect(within(table).queryByText('发票申请')).toBeNull();
    expect(within(table).queryByText('撤销')).toBeNull();
  });
});
