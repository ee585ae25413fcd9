import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import OnceOpened from './OnceOpened';

afterEach(cleanup);

let renders = 0;
function Dialog({ open }: { open: boolean }) {
  renders += 1;
  return <div data-testid="dialog">{open ? '打开' : '关闭'}</div>;
}

describe('OnceOpened', () => {
  it('renders nothing until first opened, then keeps the dialog mounted when closed', () => {
    renders = 0;
    const { rerender } = render(
      <OnceOpened open={false}>
        <Dialog open={false} />
      </OnceOpened>,
    );
    expect(screen.queryByTestId('dialog')).toBeNull();
    expect(renders).toBe(0);
    rerender(
      <OnceOpened open>
        <Dialog open />
      </OnceOpened>,
    );
    expect(screen.getByTestId('dialog').textContent).toBe('打开');
    rerender(
      <OnceOpened open={false}>
        <Dialog open={false} />
      </OnceOpened>,
    );
    // Still there, closed: its closing animation and state are the dialog's own business.
    expect(screen.getByTestId('dialog').textContent).toBe('关闭');
  });
});
