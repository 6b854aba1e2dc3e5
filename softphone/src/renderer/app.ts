/** Wires the phone core to the views, the browser (devices, notifications, online) and the Electron bridge. */
import { AgentPanel } from '../core/agent-panel.js';
import { CallHistory, webStorageHistory, type HistoryStorage } from '../core/call-history.js';
import { Phone } from '../core/phone.js';
import { sipJsFactory } from '../core/sipjs-factory.js';
import { browserTimer } from '../core/timer.js';
import type { AccountConfig, CallSnapshot } from '../core/types.js';
import type { SoftphoneBridge } from '../electron/bridge-api.js';
import { AccountStore } from './account-store.js';
import { AudioOutput } from './audio-output.js';
import { h } from './dom.js';
import { AccountsView } from './views/accounts-view.js';
import { AgentView } from './views/agent-view.js';
import { CallsView } from './views/calls-view.js';
import { DevicesView, type DeviceChoice } from './views/devices-view.js';
import { DialerView } from './views/dialer-view.js';
import { HistoryView } from './views/history-view.js';

export interface AppEnv {
  root: HTMLElement;
  bridge: SoftphoneBridge | undefined;
  storage: Storage;
}

export async function startApp(env: AppEnv): Promise<void> {
  const { bridge } = env;
  const historyStorage: HistoryStorage = bridge ? bridge.history : webStorageHistory(env.storage);
  const history = new CallHistory(historyStorage);
  const accountStore = new AccountStore(env.storage, bridge);
  const devices: DeviceChoice = JSON.parse(env.storage.getItem('switchboard.devices') ?? 'null') ?? {
    input: '',
    output: '',
    ringer: '',
  };
  const audio = new AudioOutput();
  const status = h('p', { class: 'app-status', role: 'status' });
  let accounts: AccountConfig[] = await accountStore.load();
  let panel: { callId: string; model: AgentPanel } | undefined;

  const phone = new Phone({
    factory: sipJsFactory,
    timer: browserTimer,
    wallClock: Date.now,
    history,
    audioConstraints: () => (devices.input ? { deviceId: { exact: devices.input } } : true),
    getAudioTrack: async (deviceId) => {
      const s = await navigator.mediaDevices.getUserMedia({
        audio: deviceId ? { deviceId: { exact: deviceId } } : true,
      });
      return s.getAudioTracks()[0]!;
    },
  });
  const report = (err: unknown) => {
    status.textContent = err instanceof Error ? err.message : String(err);
  };
  const act = (p: Promise<unknown> | void) => void Promise.resolve(p).catch(report);
  const activeCall = () => phone.calls().find((c) => c.state === 'active');

  const accountsView = new AccountsView(
    { wsUrl: defaultWsUrl(), agentApiUrl: location.protocol.startsWith('http') ? location.origin : '' },
    {
      add: (a) => {
        accounts = [...accounts, a];
        act(accountStore.save(accounts));
        phone.addAccount(a);
        render();
      },
      remove: (id) =>
        act(
          phone
            .removeAccount(id)
            .then(async () => ((accounts = await accountStore.remove(accounts, id)), render())),
        ),
      reconnect: () => phone.networkResumed(),
    },
  );
  const dialer = new DialerView({
    dial: (accountId, target) =>
      act(
        phone
          .dial(accountId, target)
          .then(() => (dialer.input.value = ''))
          .catch((e: Error) => (dialer.error.textContent = e.message)),
      ),
    key: (digit) => {
      const call = activeCall();
      if (!call) return false;
      act(phone.call(call.id).sendDtmf(digit));
      return true;
    },
  });
  const callsView = new CallsView({
    answer: (id) => act(phone.answer(id)),
    decline: (id, code) => act(phone.call(id).decline(code)),
    hangup: (id) => act(phone.call(id).hangup()),
    mute: (id, m) => phone.call(id).setMuted(m),
    hold: (id) => act(phone.call(id).hold()),
    resume: (id) => act(phone.resume(id)),
    transfer: (id, target, withId) =>
      act(withId ? phone.attendedTransfer(id, withId) : phone.blindTransfer(id, target)),
  });
  const historyView = new HistoryView(
    (e) =>
      act(
        phone.dial(
          accounts.some((a) => a.id === e.accountId) ? e.accountId : (accounts[0]?.id ?? ''),
          e.remoteUri,
        ),
      ),
    () => act(history.clear().then(() => historyView.render([]))),
  );
  const agentView = new AgentView();
  const devicesView = new DevicesView((kind, id) => {
    devices[kind] = id;
    env.storage.setItem('switchboard.devices', JSON.stringify(devices));
    if (kind === 'output') act(audio.setSpeaker(id));
    if (kind === 'ringer') act(audio.setRinger(id));
    if (kind === 'input')
      for (const c of phone.calls())
        if (c.state === 'active' || c.state === 'held') act(phone.call(c.id).setInputDevice(id));
  });

  function render(): void {
    accountsView.render(accounts, phone.registrations());
    dialer.setAccounts(accounts);
    callsView.render(phone.calls(), Date.now());
    agentView.render(panel?.model.current);
    const regs = phone.registrations();
    const ringing = phone.calls().some((c) => c.state === 'ringing');
    bridge?.setTrayState(
      ringing
        ? 'ringing'
        : regs.some((r) => r.state === 'registered')
          ? 'registered'
          : regs.some((r) => r.state === 'connecting' || r.state === 'registering')
            ? 'connecting'
            : 'offline',
      regs.map((r) => `${r.accountId}: ${r.state}`).join('\n'),
    );
  }

  function onCall(c: CallSnapshot): void {
    if (c.state === 'active' || c.state === 'held') {
      const sdh = phone.call(c.id).session.sessionDescriptionHandler as
        { remoteMediaStream?: MediaStream } | undefined;
      if (sdh?.remoteMediaStream) audio.attach(c.id, sdh.remoteMediaStream);
      // One panel at a time: a new call gets one once the previous panel's call is over.
      const panelBusy = panel && phone.calls().some((x) => x.id === panel?.callId);
      if (
        c.state === 'active' &&
        !panelBusy &&
        panel?.callId !== c.id &&
        phone.account(c.accountId)?.agentApiUrl
      )
        openPanel(c.id);
    }
    if (c.state === 'ended') {
      audio.detach(c.id);
      if (panel?.callId === c.id) panel.model.finish();
    }
    if (!phone.calls().some((x) => x.state === 'ringing')) audio.stopRinging();
  }

  function openPanel(callId: string): void {
    const url = phone.agentEventsUrl(callId);
    if (!url || typeof EventSource === 'undefined') return;
    panel?.model.close();
    const model = new AgentPanel(url, (u) => new EventSource(u), { timer: browserTimer });
    panel = { callId, model };
    model.changes.on(() => agentView.render(model.current));
    model.open();
  }

  phone.events.on((e) => {
    if (e.type === 'incoming') {
      audio.startRinging();
      const who = e.call.remoteName ?? e.call.remoteUri;
      if (bridge) bridge.notify('Incoming call', who);
      else if (typeof Notification !== 'undefined' && Notification.permission === 'granted')
        new Notification('Incoming call', { body: who });
    }
    if (e.type === 'call') onCall(e.call);
    if (e.type === 'history') historyView.render(e.entries);
    render();
  });

  bindKeyboard(
    dialer,
    () => phone.calls(),
    (id) => act(phone.answer(id)),
    (id) => act(phone.call(id).hangup()),
  );
  window.addEventListener('online', () => phone.networkResumed());
  document.addEventListener(
    'visibilitychange',
    () => document.visibilityState === 'visible' && phone.networkResumed(),
  );
  bridge?.onResume(() => phone.networkResumed());
  bridge?.onDialRequest((target) => {
    dialer.input.value = target;
    if (accounts[0]) act(phone.dial(accounts[0].id, target));
  });

  env.root.append(
    h('header', {}, h('h1', { text: 'Switchboard Phone' }), status),
    h(
      'div',
      { class: 'columns' },
      h('div', {}, dialer.root, callsView.root, agentView.root),
      h('div', {}, accountsView.root, devicesView.root, historyView.root),
    ),
  );
  historyView.render(await history.load());
  for (const a of accounts) phone.addAccount(a);
  if (typeof Notification !== 'undefined' && Notification.permission === 'default' && !bridge)
    void Notification.requestPermission().catch(() => undefined);
  navigator.mediaDevices?.enumerateDevices().then((list) => devicesView.render(list, devices), report);
  setInterval(() => callsView.render(phone.calls(), Date.now()), 1000);
  render();
}

/**
 * Served by an agent at /phone: its SIP WebSocket listener on the same host, at the agent's default
 * ports (SWITCHBOARD_SIP_WS_PORT 8088, SWITCHBOARD_SIP_WSS_PORT 8443); the HTTP port serves no SIP.
 */
function defaultWsUrl(): string {
  if (!location.protocol.startsWith('http')) return '';
  const host = location.hostname; // IPv6 comes bracketed
  return location.protocol === 'https:' ? `wss://${host}:8443` : `ws://${host}:8088`;
}

/** Digits type into the dial pad anywhere outside a text field; Enter answers a ringing call, Escape hangs up. */
function bindKeyboard(
  dialer: DialerView,
  calls: () => CallSnapshot[],
  answer: (id: string) => void,
  hangup: (id: string) => void,
): void {
  document.addEventListener('keydown', (ev) => {
    const target = ev.target as HTMLElement | null;
    const typing =
      target?.tagName === 'INPUT' || target?.tagName === 'SELECT' || target?.tagName === 'TEXTAREA';
    const ringing = calls().find((c) => c.state === 'ringing');
    if (ev.key === 'Enter' && ringing && !typing) return answer(ringing.id);
    if (ev.key === 'Escape') {
      const c = ringing ?? calls().find((x) => x.state === 'active') ?? calls()[0];
      if (c) hangup(c.id);
      return;
    }
    if (!typing && /^[0-9*#]$/.test(ev.key)) {
      ev.preventDefault();
      dialer.press(ev.key);
    }
  });
}
