// The operator dashboard: a single page on Preact + htm (vendored, see preact-htm-3.1.1.LICENSE.txt).
// It calls this same API with HTTP Basic (the application's API key and secret), which it keeps only in
// this tab's sessionStorage. No inline script anywhere: the page's CSP forbids it.
import { html, render, useState, useEffect, useCallback } from "./preact-htm-3.1.1.mjs";

// Deployed, the dashboard is at <API URL>/<stage>/dashboard and the API at <API URL>/<stage>.
export const API_BASE = location.pathname.replace(/\/dashboard(\/.*)?$/, "");
const CREDENTIALS = "rewards.dashboard.credentials";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
  get text() {
    const { message, details } = this.body;
    return details && details !== message ? `${message || "Error"}: ${details}` : message || this.message;
  }
}

function basic(apiKey, secretKey) {
  const bytes = new TextEncoder().encode(`${apiKey}:${secretKey}`);
  return "Basic " + btoa(String.fromCharCode(...bytes));
}

function loadCredentials() {
  try {
    return JSON.parse(sessionStorage.getItem(CREDENTIALS) || "null");
  } catch {
    return null;
  }
}

// credentials: "omit" keeps the browser from ever showing its own Basic prompt on a 401 (the Fetch
// standard prompts only for requests that include credentials); our Authorization header is still sent.
async function request(credentials, method, path, body) {
  const headers = { Authorization: basic(credentials.api_key, credentials.secret_key) };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(API_BASE + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text.slice(0, 200) };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

const enc = encodeURIComponent;
const fmtDate = (value) => (value ? new Date(typeof value === "number" ? value * 1000 : value).toLocaleString() : "—");
const fmtNumber = (value) => (value === null || value === undefined ? "—" : Number(value).toLocaleString());

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  return [d && `${d} d`, h && `${h} h`, `${m} min`].filter(Boolean).join(" ");
}

// ------------------------------------------------------------------------------------------ routing

export const PAGES = [
  ["overview", "Overview"],
  ["campaigns", "Campaigns"],
  ["customers", "Customers"],
  ["rewards", "Rewards"],
  ["coupons", "Coupons"],
  ["earning", "Earning"],
  ["webhooks", "Webhooks"],
  ["settings", "Settings"],
];

function currentRoute() {
  const [page, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  return { page: PAGES.some(([id]) => id === page) ? page : "overview", arg: rest.map(decodeURIComponent).join("/") };
}

function useRoute() {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const changed = () => setRoute(currentRoute());
    addEventListener("hashchange", changed);
    changed(); // a hash change between the first render and this effect would be missed otherwise
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}

// A loader for one or more API reads: { data, error, loading, reload }.
function useApi(api, paths, deps) {
  const [state, setState] = useState({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    Promise.all(paths.map((path) => (path ? api("GET", path) : Promise.resolve(null))))
      .then((data) => live && setState({ data, loading: false }))
      .catch((error) => live && setState({ error, loading: false }));
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

// ------------------------------------------------------------------------------------------ widgets

function ErrorBox({ error }) {
  if (!error) return null;
  return html`<div class="alert" role="alert">${error instanceof ApiError ? error.text : String(error.message || error)}</div>`;
}

// While a section's data is read: said in words, and the section is marked busy (aria-busy) by its caller.
function Loading({ when, what }) {
  return when ? html`<p class="loading">Loading ${what}…</p>` : null;
}

function Notice({ children }) {
  return children ? html`<div class="notice" role="status">${children}</div>` : null;
}

// Errors the API names by field ("rules.0.actions.0.target: …", "campaign_name is required") are shown
// next to the field whose name is that path, or the nearest enclosing one; the rest above the form.
// The API joins its errors with "; ", and one error may hold "; " too ("stock: 1 already redeemed; stock
// cannot be less than that"): a part that names no field is the rest of the error before it.
const FIELD_MESSAGE = /^([\w.]+?)(?::\s+|\s+(?=is |must |are ))/;

export function fieldErrors(error) {
  if (!(error instanceof ApiError) || error.status !== 400 || !error.body.details) return {};
  const messages = [];
  for (const part of String(error.body.details).split("; ")) {
    if (messages.length > 0 && !FIELD_MESSAGE.test(part)) messages[messages.length - 1] += `; ${part}`;
    else messages.push(part);
  }
  const found = {};
  for (const message of messages) {
    const match = message.match(FIELD_MESSAGE);
    const path = match ? match[1] : "_form";
    (found[path] = found[path] || []).push(message);
  }
  return found;
}

function errorFor(errors, name, known) {
  const messages = [];
  for (const [path, list] of Object.entries(errors)) {
    let target = path;
    while (target && !known.has(target)) target = target.includes(".") ? target.slice(0, target.lastIndexOf(".")) : "";
    if ((target || "_form") === name) messages.push(...list);
  }
  return messages.length ? messages.join("; ") : null;
}

// The API's refusal of the last submit: { error, errors (by API path), edited, setError, markEdited }. A
// field's messages go as soon as it is edited (the next submit tells whether the new value is right).
function useSubmitError() {
  const [error, setErrorState] = useState(null);
  const [edited, setEdited] = useState(() => new Set());
  return {
    error,
    errors: fieldErrors(error),
    edited,
    setError: (value) => {
      setEdited(new Set());
      setErrorState(value);
    },
    markEdited: (name) => setEdited((previous) => (previous.has(name) ? previous : new Set(previous).add(name))),
  };
}

// `known` holds the name of every field of the form: the helpers that build the fields add them when the
// form renders, before any field or the form's alert renders (components render later, in tree order).
function Field({ name, label, value, onInput, errors, known, edited, type = "text", hint, options, required, ...rest }) {
  const id = `f-${name}`;
  const message = edited.has(name) ? null : errorFor(errors, name, known);
  const described = [hint && `${id}-hint`, message && `${id}-error`].filter(Boolean).join(" ") || undefined;
  const common = { id, name, "aria-invalid": message ? "true" : undefined, "aria-describedby": described, required, ...rest };
  const control = options
    ? html`<select ...${common} value=${value} onChange=${(e) => onInput(e.target.value)}>
        ${options.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
      </select>`
    : html`<input ...${common} type=${type} value=${value} onInput=${(e) => onInput(e.target.value)} />`;
  return html`<div>
    <label for=${id}>${label}</label>${control}
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${message && html`<p class="field-error" id=${`${id}-error`}>${message}</p>`}
  </div>`;
}

function Pager({ page, onNext, onPrevious, label }) {
  return html`<div class="actions" role="group" aria-label=${label}>
    <button class="secondary" disabled=${!page.previous} onClick=${onPrevious}>Previous page</button>
    <button class="secondary" disabled=${!page.next} onClick=${onNext}>Next page</button>
  </div>`;
}

// Cursor pagination: a stack of the cursors of the pages before this one. While a page loads both buttons
// wait: the list shown is still the one before, and its cursor would open the same page again.
function usePages() {
  const [cursors, setCursors] = useState([null]);
  const cursor = cursors[cursors.length - 1];
  return {
    cursor,
    reset: () => setCursors([null]),
    controls: (list, loading) => ({
      page: { previous: !loading && cursors.length > 1, next: !loading && Boolean(list && list.has_more && list.next_cursor) },
      onNext: () => setCursors([...cursors, list.next_cursor]),
      onPrevious: () => setCursors(cursors.slice(0, -1)),
    }),
  };
}

export function ProgressBar({ label, percent, detail }) {
  const value = Math.max(0, Math.min(100, Number(percent) || 0));
  return html`<div class="progress">
    <div class="label"><span>${label}</span><span>${value}%${detail ? ` · ${detail}` : ""}</span></div>
    <div class="bar" role="progressbar" aria-label=${label} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${value}
      aria-valuetext=${`${value}%${detail ? `, ${detail}` : ""}`}>
      <span style=${{ width: `${value}%` }}></span>
    </div>
  </div>`;
}

function StatusBadge({ status }) {
  return html`<span class=${`status ${status}`}>${status}</span>`;
}

// ------------------------------------------------------------------------------------------ sign in

function SignIn({ onSignedIn }) {
  const [apiKey, setApiKey] = useState("");
  const [secretKey, setSecretKey] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const credentials = { api_key: apiKey.trim(), secret_key: secretKey.trim() };
    try {
      const { app_id } = await request(credentials, "GET", "/events/segment/check-auth");
      onSignedIn({ ...credentials, app_id });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main"><form class="card signin" onSubmit=${submit} aria-labelledby="signin-title">
    <h1 id="signin-title">Rewards engine dashboard</h1>
    <p class="hint">Sign in with your application's API key and secret key.</p>
    <label for="api-key">API key</label>
    <input id="api-key" name="api_key" autocomplete="username" required value=${apiKey} onInput=${(e) => setApiKey(e.target.value)} />
    <label for="secret-key">Secret key</label>
    <input id="secret-key" name="secret_key" type="password" autocomplete="current-password" required value=${secretKey}
      onInput=${(e) => setSecretKey(e.target.value)} />
    <${ErrorBox} error=${error} />
    <div class="actions"><button type="submit" disabled=${busy}>Sign in</button></div>
  </form></main>`;
}

// ------------------------------------------------------------------------------------------ overview

const STAT_SERIES = [
  ["points_credited", "Points credited"],
  ["points_debited", "Points debited"],
  ["coupons_redeemed", "Coupons redeemed"],
  ["rewards_redeemed", "Rewards redeemed"],
  ["new_customers", "New customers"],
];

const isoDay = (date) => date.toISOString().slice(0, 10);

// Bars in HTML, not a scaled SVG: the labels keep the page's own text size at every width.
function BarChart({ title, days, values }) {
  const max = Math.max(1, ...values);
  return html`<figure class="card chart" aria-hidden="true">
    <figcaption><strong>${title}</strong> · total ${fmtNumber(values.reduce((a, b) => a + b, 0))}</figcaption>
    <div class="plot">
      <div class="y-axis"><span>${fmtNumber(max)}</span><span>0</span></div>
      <div class="bars">${values.map((value, i) => html`<span title=${`${days[i]}: ${fmtNumber(value)}`} style=${{ height: `${(100 * value) / max}%` }}></span>`)}</div>
    </div>
    <div class="x-axis"><span>${days[0]}</span><span>${days[days.length - 1]}</span></div>
  </figure>`;
}

function Overview({ api }) {
  const to = new Date();
  const from = new Date(to.getTime() - 29 * 86400000);
  const { data, error, loading, reload } = useApi(api, [`/stats?from=${isoDay(from)}&to=${isoDay(to)}`], []);
  if (loading && !data) return html`<p>Loading statistics…</p>`;
  if (error)
    return html`<${ErrorBox} error=${error} />
      ${error.status === 404 && html`<p>Daily statistics are not available on this deployment.</p>`}`;
  const rows = data[0].days || data[0].data || [];
  const days = rows.map((row) => row.date);
  return html`<div class="actions"><button class="secondary" onClick=${reload}>Refresh</button></div>
    <div class="charts">${STAT_SERIES.map(([key, title]) => html`<${BarChart} title=${title} days=${days} values=${rows.map((r) => Number(r[key] || 0))} />`)}</div>
    <div class="table-wrap sr-only">
      <table>
        <caption>Daily figures, last 30 days</caption>
        <thead><tr><th scope="col">Day</th>${STAT_SERIES.map(([, t]) => html`<th scope="col" class="num">${t}</th>`)}</tr></thead>
        <tbody>${rows.map((row) => html`<tr><th scope="row">${row.date}</th>${STAT_SERIES.map(([k]) => html`<td class="num">${fmtNumber(row[k] || 0)}</td>`)}</tr>`)}</tbody>
      </table>
    </div>`;
}

// ------------------------------------------------------------------------------------------ campaigns

const newCondition = () => ({ property: "", operator: "eq", value: "" });
const newAction = () => ({ event_name: "", measure: "count", property: "", target: "1", conditions: [] });
const newRule = () => ({ rule_name: "", action_type: "RTA", time_duration: "", beneficiary: "", reward_type: "points", reward_value: "100", actions: [newAction()] });

// A condition's value as typed: JSON when it parses (numbers, true, ["a","b"]), else the text itself.
function parseValue(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function campaignBody(form) {
  return {
    campaign_name: form.campaign_name,
    campaign_type: form.campaign_type,
    rules: form.rules.map((rule) => ({
      rule_name: rule.rule_name,
      action_type: rule.action_type,
      ...(rule.action_type === "AWT" ? { time_duration: rule.time_duration === "" ? null : Number(rule.time_duration) } : {}),
      ...(rule.beneficiary ? { beneficiary: rule.beneficiary } : {}),
      actions: rule.actions.map((action) => ({
        event_name: action.event_name,
        measure: action.measure,
        ...(action.measure === "sum" || action.property ? { property: action.property || null } : {}),
        target: action.target === "" ? null : Number(action.target),
        ...(action.conditions.length
          ? { conditions: action.conditions.map((c) => ({ property: c.property, operator: c.operator, value: parseValue(c.value) })) }
          : {}),
      })),
      reward:
        rule.reward_type === "points"
          ? { type: "points", points: rule.reward_value === "" ? null : Number(rule.reward_value) }
          : { type: rule.reward_type, [`${rule.reward_type}_id`]: rule.reward_value },
    })),
  };
}

function CampaignForm({ api, onCreated }) {
  const [form, setForm] = useState({ campaign_name: "", campaign_type: "loyalty", rules: [newRule()] });
  const { error, errors, edited, setError, markEdited } = useSubmitError();
  const [busy, setBusy] = useState(false);
  const known = new Set();
  const set = (path, value) =>
    setForm((previous) => {
      const copy = structuredClone(previous);
      const keys = path.split(".");
      let node = copy;
      for (const key of keys.slice(0, -1)) node = node[key];
      node[keys[keys.length - 1]] = value;
      return copy;
    });
  const field = (path, label, extra = {}) => {
    const name = extra.name || path;
    known.add(name);
    const onInput = (v) => {
      set(path, v);
      markEdited(name);
    };
    return html`<${Field} name=${name} label=${label} value=${path.split(".").reduce((n, k) => n[k], form)}
      onInput=${onInput} errors=${errors} known=${known} edited=${edited} ...${extra} />`;
  };
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const created = await api("POST", "/campaigns", campaignBody(form));
      setError(null);
      setForm({ campaign_name: "", campaign_type: "loyalty", rules: [newRule()] });
      onCreated(created);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const body = html`
    <h2 id="new-campaign">New campaign</h2>
    <div class="row">
      ${field("campaign_name", "Campaign name", { required: true })}
      ${field("campaign_type", "Campaign type", { options: [["loyalty", "Loyalty"], ["referral", "Referral"]] })}
    </div>
    ${form.rules.map((rule, r) => html`<fieldset id=${`f-rules.${r}`}>
      <legend>Rule ${r + 1}</legend>
      <div class="row">
        ${field(`rules.${r}.rule_name`, "Rule name", { required: true })}
        ${field(`rules.${r}.action_type`, "Action type", { options: [["RTA", "RTA: real-time actions"], ["AWT", "AWT: actions within a time window"]] })}
        ${rule.action_type === "AWT" &&
        field(`rules.${r}.time_duration`, "Time window (seconds)", { type: "number", min: "1", hint: "Counted from the first action; 172800 = 2 days" })}
        ${form.campaign_type === "referral" &&
        field(`rules.${r}.beneficiary`, "Beneficiary", { options: [["", "—"], ["referrer", "Referrer"], ["referee", "Referee"]] })}
      </div>
      ${rule.actions.map((action, a) => html`<fieldset id=${`f-rules.${r}.actions.${a}`}>
        <legend>Action ${a + 1} of rule ${r + 1}</legend>
        <div class="row">
          ${field(`rules.${r}.actions.${a}.event_name`, "Event name", { required: true })}
          ${field(`rules.${r}.actions.${a}.measure`, "Measure", { options: [["count", "Count of events"], ["sum", "Sum of a property"]] })}
          ${field(`rules.${r}.actions.${a}.property`, "Property (for sum)")}
          ${field(`rules.${r}.actions.${a}.target`, "Target", { type: "number", step: "any" })}
        </div>
        ${action.conditions.map((condition, c) => html`<div class="row" role="group" aria-label=${`Condition ${c + 1}`}>
          ${field(`rules.${r}.actions.${a}.conditions.${c}.property`, `Condition ${c + 1} property`)}
          ${field(`rules.${r}.actions.${a}.conditions.${c}.operator`, "Operator", {
            options: ["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in"].map((o) => [o, o]),
          })}
          ${field(`rules.${r}.actions.${a}.conditions.${c}.value`, "Value", { hint: 'JSON for numbers and lists: 200, ["a","b"]' })}
          <div><button type="button" class="danger" onClick=${() => set(`rules.${r}.actions.${a}.conditions`, action.conditions.filter((_, i) => i !== c))}>Remove condition ${c + 1}</button></div>
        </div>`)}
        <div class="actions">
          <button type="button" class="secondary" onClick=${() => set(`rules.${r}.actions.${a}.conditions`, [...action.conditions, newCondition()])}>Add condition</button>
          ${rule.actions.length > 1 && html`<button type="button" class="danger" onClick=${() => set(`rules.${r}.actions`, rule.actions.filter((_, i) => i !== a))}>Remove action ${a + 1}</button>`}
        </div>
      </fieldset>`)}
      <div class="row">
        ${field(`rules.${r}.reward_type`, "Reward", { name: `rules.${r}.reward.type`, options: [["points", "Points"], ["coupon", "Coupon"], ["reward", "Reward from the catalog"]] })}
        ${field(`rules.${r}.reward_value`, rule.reward_type === "points" ? "Points" : rule.reward_type === "coupon" ? "Coupon id" : "Reward id", {
          name: `rules.${r}.reward`, // claims the reward's own errors ("rules.0.reward: points is required …")
        })}
      </div>
      <div class="actions">
        <button type="button" class="secondary" onClick=${() => set(`rules.${r}.actions`, [...rule.actions, newAction()])}>Add action</button>
        ${form.rules.length > 1 && html`<button type="button" class="danger" onClick=${() => set("rules", form.rules.filter((_, i) => i !== r))}>Remove rule ${r + 1}</button>`}
      </div>
    </fieldset>`)}
    <div class="actions">
      <button type="button" class="secondary" onClick=${() => set("rules", [...form.rules, newRule()])}>Add rule</button>
      <button type="submit" disabled=${busy}>Create campaign</button>
    </div>`;
  // Computed after the fields are built, so that every field has claimed its own errors; the rest go on top.
  const unplaced = error && (Object.keys(errors).length === 0 ? error.text : errorFor(errors, "_form", known));
  return html`<form class="card" onSubmit=${submit} aria-labelledby="new-campaign" novalidate>
    ${error && html`<div class="alert" role="alert">The campaign was not created${unplaced ? `: ${unplaced}` : ": see the fields marked below."}</div>`}
    ${body}
  </form>`;
}

function Campaigns({ api, arg }) {
  const pages = usePages();
  const { data, error, loading, reload } = useApi(api, [`/campaigns?limit=20${pages.cursor ? `&cursor=${enc(pages.cursor)}` : ""}`], [pages.cursor]);
  const [notice, setNotice] = useState(null);
  const [actionError, setActionError] = useState(null);
  const [changes, setChanges] = useState(0);
  const act = async (campaign, method, body, done) => {
    setActionError(null);
    try {
      await api(method, `/campaigns/${enc(campaign.campaign_id)}`, body);
      setNotice(`${campaign.campaign_name}: ${done}`);
      setChanges((n) => n + 1);
      reload();
    } catch (failure) {
      setActionError(failure);
    }
  };
  const list = data && data[0];
  return html`
    <${Notice}>${notice}<//>
    <${ErrorBox} error=${error || actionError} />
    <section class="card" aria-labelledby="campaign-list">
      <h2 id="campaign-list">Campaigns</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Rules</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
        <tbody>${list && list.data.map((c) => html`<tr>
          <th scope="row">${c.campaign_name}<br /><small>${c.campaign_id}</small></th>
          <td>${c.campaign_type}</td><td><${StatusBadge} status=${c.status} /></td>
          <td>${c.rules.map((rule) => html`<div>${rule.rule_name} (${rule.action_type})</div>`)}</td>
          <td>${fmtDate(c.created_at)}</td>
          <td><div class="actions">
            ${c.status === "active" && html`<button class="secondary" onClick=${() => act(c, "PATCH", { status: "paused" }, "paused")} aria-label=${`Pause ${c.campaign_name}`}>Pause</button>`}
            ${c.status === "paused" && html`<button class="secondary" onClick=${() => act(c, "PATCH", { status: "active" }, "activated")} aria-label=${`Activate ${c.campaign_name}`}>Activate</button>`}
            ${c.status !== "archived" && html`<button class="danger" onClick=${() => act(c, "DELETE", undefined, "archived")} aria-label=${`Archive ${c.campaign_name}`}>Archive</button>`}
            <a href=${`#/campaigns/${enc(c.campaign_id)}`} aria-label=${`History of ${c.campaign_name}`}>History</a>
          </div></td>
        </tr>`)}</tbody>
      </table></div>
      ${list && list.data.length === 0 && html`<p>No campaigns yet.</p>`}
      ${list && html`<${Pager} label="Campaign pages" ...${pages.controls(list, loading)} />`}
    </section>
    ${arg && html`<${History} api=${api} objectType="campaign" objectId=${arg} version=${changes} key=${arg} title=${`History of ${(list && (list.data.find((c) => c.campaign_id === arg) || {}).campaign_name) || arg}`} />`}
    <${CampaignForm} api=${api} onCreated=${(c) => { setNotice(`Campaign ${c.campaign_name} created (${c.campaign_id})`); pages.reset(); reload(); }} />`;
}

// ------------------------------------------------------------------------------------------ customers

// The ledger's reasons (GET /customers/{id}/transactions?reason= filters by one).
const LEDGER_REASONS = [
  ["", "All reasons"],
  ["rule_completion", "Rule completion"],
  ["reward_redemption", "Reward redemption"],
  ["redemption_cancelled", "Redemption cancelled"],
  ["adjustment", "Adjustment"],
  ["reversal", "Reversal"],
  ["expiry", "Expiry"],
  ["activation", "Activation"],
  ["order_earning", "Order earning"],
  ["order_return", "Order return"],
];
const fmtDay = (value) => (value ? new Date(value).toLocaleDateString(undefined, { timeZone: "UTC" }) : "—");
const signed = (value) => (value > 0 ? `+${value}` : String(value));

// A lot an entry added to or took from: its points, when they expire (or never), and, while pending,
// when they become spendable.
function describeLot(lot) {
  const parts = [`${signed(lot.points)} ${lot.expires_at ? `expiring ${fmtDay(lot.expires_at)}` : "never expiring"}`];
  if (lot.activates_at) parts.push(`pending until ${fmtDay(lot.activates_at)}`);
  return parts.join(", ");
}

function Ledger({ api, sourceId, version }) {
  const pages = usePages();
  const [reason, setReason] = useState("");
  const path = `/customers/${enc(sourceId)}/transactions?limit=10${reason ? `&reason=${enc(reason)}` : ""}${pages.cursor ? `&cursor=${enc(pages.cursor)}` : ""}`;
  const { data, error, loading } = useApi(api, [path], [sourceId, reason, pages.cursor, version]);
  const list = data && data[0];
  const choose = (e) => { pages.reset(); setReason(e.target.value); };
  return html`<section class="card ledger" aria-labelledby="ledger" aria-busy=${loading ? "true" : "false"}>
    <h2 id="ledger">Points ledger</h2>
    <div class="row" role="group" aria-label="Ledger filters"><div><label for="ledger-reason">Reason</label>
      <select id="ledger-reason" value=${reason} onChange=${choose}>
        ${LEDGER_REASONS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
      </select></div></div>
    <${Loading} when=${loading} what="the ledger" />
    <${ErrorBox} error=${error} />
    ${list && html`<div class="table-wrap"><table class="stacked" aria-label="Points ledger entries">
      <thead><tr><th scope="col">When</th><th scope="col" class="num">Points</th><th scope="col" class="num">Pending</th><th scope="col" class="num">Balance after</th><th scope="col">Reason</th><th scope="col">Lots</th><th scope="col">Source</th></tr></thead>
      <tbody>${list.data.map((t) => html`<tr>
        <td data-label="When">${fmtDate(t.created_at)}</td><td class="num" data-label="Points">${signed(t.points)}</td>
        <td class="num" data-label="Pending">${t.pending_points ? signed(t.pending_points) : "—"}</td><td class="num" data-label="Balance after">${fmtNumber(t.balance_after)}</td>
        <td data-label="Reason">${t.reason}${t.description ? ` · ${t.description}` : ""}${t.shortfall ? ` · ${fmtNumber(t.shortfall)} not recovered` : ""}${t.expired ? ` · ${fmtNumber(t.expired)} already expired` : ""}</td>
        <td data-label="Lots">${(t.lots || []).length ? html`<ul class="reasons">${t.lots.map((lot) => html`<li>${describeLot(lot)}</li>`)}</ul>` : "—"}</td>
        <td data-label="Source">${[t.event_name, t.campaign_id, t.rule_id, t.reward_id, t.reverses && `reverses ${t.reverses}`, t.return_id && `return ${t.return_id}`].filter(Boolean).join(" · ")}${t.order_id ? html` · <a href=${`#/earning/${enc(t.order_id)}`}>order ${t.order_id}</a>` : ""}</td>
      </tr>`)}</tbody></table></div>
      ${list.data.length === 0 && html`<p>${reason ? "No entries with this reason." : "No points have moved yet."}</p>`}
      <${Pager} label="Ledger pages" ...${pages.controls(list, loading)} />`}
  </section>`;
}

// The customer's points as the API computes them at every read (expired points never count).
function PointsSummary({ points }) {
  const expiring = points.expiring || [];
  return html`
    <dt>Points balance</dt><dd><strong data-testid="balance">${fmtNumber(points.balance)}</strong> (earned ${fmtNumber(points.earned)}, redeemed ${fmtNumber(points.redeemed)})</dd>
    <dt>Pending points</dt><dd data-testid="pending">${fmtNumber(points.pending)}</dd>
    <dt>Expired points</dt><dd data-testid="expired">${fmtNumber(points.expired)}</dd>
    <dt>Next expiring</dt><dd data-testid="expiring">${expiring.length
      ? html`<ul class="reasons">${expiring.map((e) => html`<li>${fmtNumber(e.points)} on ${fmtDay(e.expires_at)}</li>`)}</ul>`
      : "nothing expires"}</dd>`;
}

// An AWT rule's window as one action sees it. The first action opens the window (the API gives it only
// start_time); the others count inside it. Once they are completed the time left no longer matters.
function windowDetail(action, opensTheWindow) {
  if (opensTheWindow) return action.start_time ? `opened the window ${fmtDate(action.start_time)}` : "opens the window";
  if (action.expired) return "window expired";
  if (action.status === "completed") return "";
  if (action.time_left !== undefined && action.time_left !== null) return `${duration(action.time_left)} left`;
  return `window of ${duration(action.time_duration)} not started`;
}

function Progress({ campaigns }) {
  if (!campaigns.length) return html`<p>No active campaign rules.</p>`;
  return campaigns.map((campaign) => html`<div>
    <h3>${campaign.campaign_name}</h3>
    ${campaign.rules.map((rule) => html`<div>
      <h4>${rule.rule_name} <small>(${rule.action_type})</small></h4>
      ${rule.actions.map((action, index) => {
        const parts = [`${fmtNumber(action.current)} of ${fmtNumber(action.target)}`];
        if (action.status === "completed") parts.push("completed");
        if (rule.action_type === "AWT") parts.push(windowDetail(action, index === 0));
        return html`<${ProgressBar} label=${`${rule.rule_name}: ${action.event_name}`} percent=${action.progress} detail=${parts.filter(Boolean).join(", ")} />`;
      })}
    </div>`)}
  </div>`);
}

// Shown when the API has the route (the rewards catalog and coupons may not be deployed). The answer pages
// (an explanation of a large catalog would not fit one answer): a page at a time, as the other lists.
function CustomerRewards({ api, sourceId, version }) {
  const { list, error, pages, missing, loading } = useList(api, `/customers/${enc(sourceId)}/rewards?explain=true`, [sourceId, version]);
  if (missing) return null;
  const rewards = list ? list.data : [];
  return html`<section class="card" aria-labelledby="customer-rewards" aria-busy=${loading ? "true" : "false"}>
    <h2 id="customer-rewards">Rewards</h2>
    <${Loading} when=${loading} what="the rewards" />
    <${ErrorBox} error=${error} />
    ${list && rewards.length === 0 && html`<p>No rewards in the catalog.</p>`}
    ${rewards.length > 0 && html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">Reward</th><th scope="col" class="num">Points cost</th><th scope="col">Eligible</th><th scope="col">Why</th></tr></thead>
      <tbody>${rewards.map((m) => html`<tr>
        <th scope="row">${m.reward.name}</th><td class="num">${fmtNumber(m.points_cost)}</td><td>${m.eligible ? "yes" : "no"}</td>
        <td><ul class="reasons">
          ${m.eligible && html`<li>Eligible now${m.affordable ? "" : `, but ${fmtNumber(m.points_missing)} points short`}</li>`}
          ${m.unavailable.map((reason) => html`<li>${reason}</li>`)}
          ${!m.affordable && !m.eligible && html`<li>${fmtNumber(m.points_missing)} more points needed (balance ${fmtNumber(m.points_balance)})</li>`}
          ${m.failed_conditions.map((c) => html`<li>${c.attribute}: needs ${c.required}, has ${c.actual} (${c.gap})</li>`)}
        </ul></td>
      </tr>`)}</tbody>
    </table></div>`}
    ${list && html`<${Pager} label="Customer reward pages" ...${pages.controls(list)} />`}
  </section>`;
}

function issuedText(issued) {
  return [issued.product_id && `product ${issued.product_id}`, issued.code && `code ${issued.code}`, issued.amount && `worth ${issued.amount}`]
    .filter(Boolean).join(", ") || "—";
}

// The customer's reward redemptions; cancelling one gives the points back, returns the stock and voids the
// issued code (the API refuses, 409, while that code is used in an order).
function CustomerRedemptions({ api, sourceId, version, onChanged }) {
  const { list, error, pages, missing, loading } = useList(api, `/customers/${enc(sourceId)}/rewards/redemptions`, [sourceId, version]);
  const [actionError, setActionError] = useState(null);
  if (missing) return null;
  const cancel = async (redemption) => {
    setActionError(null);
    try {
      await api("POST", `/customers/${enc(sourceId)}/rewards/redemptions/${enc(redemption.id)}/cancel`);
      onChanged();
    } catch (failure) {
      setActionError(failure);
    }
  };
  return html`<section class="card" aria-labelledby="customer-redemptions" aria-busy=${loading ? "true" : "false"}>
    <h2 id="customer-redemptions">Reward redemptions</h2>
    <${Loading} when=${loading} what="the redemptions" />
    <${ErrorBox} error=${error || actionError} />
    ${list && html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">When</th><th scope="col">Reward</th><th scope="col" class="num">Points</th><th scope="col">Issued</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
      <tbody>${list.data.map((r) => html`<tr>
        <td>${fmtDate(r.created_at)}</td><th scope="row">${r.reward_name}<br /><small>${r.id}</small></th>
        <td class="num">${fmtNumber(r.points)}</td><td>${issuedText(r.issued)}</td>
        <td>${r.status}${r.cancelled_at ? html`<br /><small>${fmtDate(r.cancelled_at)}</small>` : ""}</td>
        <td>${r.status === "completed" && html`<button class="danger" onClick=${() => cancel(r)} aria-label=${`Cancel redemption ${r.id}`}>Cancel</button>`}</td>
      </tr>`)}</tbody>
    </table></div>
    ${list.data.length === 0 && html`<p>No redemptions.</p>`}
    <${Pager} label="Redemption pages" ...${pages.controls(list)} />`}
  </section>`;
}

function CustomerCoupons({ api, sourceId, version }) {
  const { list, error, pages, missing, loading } = useList(api, `/customers/${enc(sourceId)}/coupons`, [sourceId, version]);
  if (missing) return null;
  return html`<section class="card" aria-labelledby="customer-coupons" aria-busy=${loading ? "true" : "false"}>
    <h2 id="customer-coupons">Coupons</h2>
    <${Loading} when=${loading} what="the coupons" />
    <${ErrorBox} error=${error} />
    ${list && html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">Code</th><th scope="col">Coupon</th><th scope="col">Discount</th><th scope="col">State</th><th scope="col" class="num">Uses</th><th scope="col">Valid until</th></tr></thead>
      <tbody>${list.data.map((c) => html`<tr><th scope="row">${c.coupon_code}</th><td>${c.name || c.coupon_id}</td><td>${describeDiscount(c.discount)}</td><td>${c.state}</td><td class="num">${c.uses}</td><td>${fmtDate(c.ends_at)}</td></tr>`)}</tbody>
    </table></div>
    ${list.data.length === 0 && html`<p>No coupons.</p>`}
    <${Pager} label="Customer coupon pages" ...${pages.controls(list)} />`}
  </section>`;
}

function CustomerProfile({ api, sourceId }) {
  const [version, setVersion] = useState(0);
  const { data, error, loading } = useApi(
    api,
    [`/customers/${enc(sourceId)}`, `/campaigns/reward-progress?source_id=${enc(sourceId)}`],
    [sourceId, version],
  );
  if (loading && !data) return html`<section class="card" aria-busy="true" aria-label=${`Customer ${sourceId}`}><${Loading} when=${true} what=${sourceId} /></section>`;
  if (error) return html`<${ErrorBox} error=${error} />`;
  const [customer, progress] = data;
  return html`
    <div class="actions"><button class="secondary" onClick=${() => setVersion((v) => v + 1)} disabled=${loading}>${loading ? "Refreshing…" : "Refresh"}</button></div>
    <section class="card" aria-labelledby="profile" aria-busy=${loading ? "true" : "false"}>
      <h2 id="profile">${customer.name || customer.source_id}</h2>
      <dl class="props">
        <dt>Source ID</dt><dd>${customer.source_id}</dd>
        <dt>Customer id</dt><dd>${customer.id}</dd>
        <${PointsSummary} points=${customer.points} />
        <dt>Email</dt><dd>${customer.email || "—"}</dd>
        <dt>Phone</dt><dd>${customer.phone || "—"}</dd>
        <dt>Tier</dt><dd><${TierValue} tier=${customer.tier} /></dd>
        <dt>Tags</dt><dd>${customer.tags.join(", ") || "—"}</dd>
        <dt>Referral code</dt><dd>${customer.referral_code || "—"}</dd>
        <dt>Referred by</dt><dd>${customer.referred_by || "—"}</dd>
        <dt>Enrolled</dt><dd data-testid="enrolled">${customer.enrolled_at ? fmtDate(customer.enrolled_at) : "not enrolled (no enrolment date)"}</dd>
        <dt>Created</dt><dd data-testid="created">${fmtDate(customer.created_at)}</dd>
      </dl>
    </section>
    <section class="card" aria-labelledby="progress"><h2 id="progress">Reward progress</h2><${Progress} campaigns=${progress} /></section>
    <${Ledger} api=${api} sourceId=${sourceId} version=${version} />
    <${CustomerRewards} api=${api} sourceId=${sourceId} version=${version} />
    <${CustomerRedemptions} api=${api} sourceId=${sourceId} version=${version} onChanged=${() => setVersion((v) => v + 1)} />
    <${CustomerCoupons} api=${api} sourceId=${sourceId} version=${version} />
    <${History} api=${api} objectType="customer" objectId=${customer.id} version=${version} title="Points adjustments and reversals" />`;
}

// Every customer of the application, in source ID order, a page at a time; the search keeps those whose
// source ID starts with what is typed (as GET /customers?q= does). A row opens the customer's page.
function CustomerList({ api }) {
  const [prefix, setPrefix] = useState("");
  const { list, error, pages, loading } = useList(api, `/customers${prefix ? `?q=${enc(prefix)}` : ""}`, [prefix]);
  const search = (event) => {
    event.preventDefault();
    setPrefix(event.currentTarget.elements.q.value.trim());
    pages.reset();
  };
  return html`<section class="card" aria-labelledby="customer-list" aria-busy=${loading ? "true" : "false"}>
    <h2 id="customer-list">All customers</h2>
    <form role="search" aria-label="Search customers" onSubmit=${search}>
      <label for="customer-prefix">ID starts with</label>
      <div class="row"><div><input id="customer-prefix" name="q" maxLength="128" /></div>
      <div><button type="submit" class="secondary">Search</button></div></div>
    </form>
    <${ErrorBox} error=${error} />
    <${Loading} when=${loading} what="customers" />
    ${list && (list.data.length
      ? html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">Source ID</th><th scope="col">Name</th><th scope="col" class="num">Points</th></tr></thead>
        <tbody>${list.data.map((c) => html`<tr>
          <th scope="row"><a href=${`#/customers/${enc(c.source_id)}`}>${c.source_id}</a></th>
          <td>${c.name || "—"}</td><td class="num">${c.points.balance}</td>
        </tr>`)}</tbody>
      </table></div>`
      : html`<p>${prefix ? `No customer's ID starts with ${prefix}.` : "No customers yet."}</p>`)}
    ${list && html`<${Pager} label="Customer pages" ...${pages.controls(list)} />`}
  </section>`;
}

function Customers({ api, arg }) {
  // Read from the field on submit (not mirrored in state), so that typing right after the page opens
  // is never overwritten; the field starts from the customer in the URL.
  const search = (event) => {
    event.preventDefault();
    const query = event.currentTarget.elements.source_id.value.trim();
    if (query) location.hash = `#/customers/${enc(query)}`;
  };
  return html`
    <form class="card" role="search" onSubmit=${search}>
      <label for="source-id">Source ID</label>
      <div class="row"><div><input id="source-id" name="source_id" defaultValue=${arg || ""} key=${arg || ""} /></div>
      <div><button type="submit">Look up</button></div></div>
      <p class="hint">The merchant's own customer id, e.g. KMN@123.</p>
    </form>
    ${arg ? html`<${CustomerProfile} api=${api} sourceId=${arg} key=${arg} />` : html`<${CustomerList} api=${api} />`}`;
}

// ------------------------------------------------------------------------------------------ forms

// A flat form with the API's errors next to each field: { values, set, field, error, setError, known }.
function useForm(initial) {
  const [values, setValues] = useState(initial);
  const { error, errors, edited, setError, markEdited } = useSubmitError();
  const known = new Set();
  const set = (name, value) => setValues((previous) => ({ ...previous, [name]: value }));
  const field = (name, label, extra = {}) => {
    known.add(extra.name || name);
    const onInput = (v) => {
      set(name, v);
      markEdited(extra.name || name);
    };
    return html`<${Field} name=${name} label=${label} value=${values[name] ?? ""} onInput=${onInput} errors=${errors} known=${known} edited=${edited} ...${extra} />`;
  };
  // What none of the fields claimed (called once the form has built its fields).
  const unplaced = () => error && (Object.keys(errors).length === 0 ? error.text : errorFor(errors, "_form", known));
  return { values, setValues, set, field, error, setError, unplaced };
}

function FormAlert({ form, what }) {
  if (!form.error) return null;
  const rest = form.unplaced();
  return html`<div class="alert" role="alert">${what} failed${rest ? `: ${rest}` : ": see the fields marked below."}</div>`;
}

const optional = (text) => (text === "" || text === undefined || text === null ? undefined : text);
const optionalNumber = (text) => (optional(text) === undefined ? undefined : Number(text));
const isoFromLocal = (text) => (optional(text) === undefined ? undefined : new Date(text).toISOString());

// A list page's rows, with cursor pagination; null while the API has no such route (404 from the gateway).
function useList(api, path, deps) {
  const pages = usePages();
  const joiner = path.includes("?") ? "&" : "?";
  const loaded = useApi(api, [`${path}${joiner}limit=20${pages.cursor ? `&cursor=${enc(pages.cursor)}` : ""}`], [...deps, pages.cursor]);
  const list = loaded.data && loaded.data[0];
  const paging = { ...pages, controls: (shown) => pages.controls(shown, loaded.loading) };
  return { ...loaded, list, pages: paging, missing: loaded.error instanceof ApiError && loaded.error.body.key === "not_found" && /No route/.test(loaded.error.body.details || "") };
}

// ------------------------------------------------------------------------------------------ history

// A changed field's value as the audit log keeps it (absent on that side: "—").
const fmtValue = (value) => (value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value));

// One object's audit log (GET /audit-log?object_type=&object_id=), newest first: who (the API key, or
// "operator"), when, what, and each changed field before and after.
export function History({ api, objectType, objectId, version, title = "History" }) {
  const { list, error, pages } = useList(api, `/audit-log?object_type=${enc(objectType)}&object_id=${enc(objectId)}`, [objectType, objectId, version]);
  const id = `history-${objectId}`;
  return html`<section class="card" aria-labelledby=${id}>
    <h2 id=${id}>${title}</h2>
    <${ErrorBox} error=${error} />
    ${list && html`<div class="table-wrap"><table class="stacked" aria-label=${`${title} entries`}>
      <thead><tr><th scope="col">When</th><th scope="col">Change</th><th scope="col">By</th><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
      <tbody>${list.data.map((entry) => {
        const fields = [...new Set([...Object.keys(entry.before), ...Object.keys(entry.after)])].sort();
        const rows = fields.length ? fields : [null];
        return rows.map((field, index) => html`<tr data-testid="history-row">
          <td data-label="When">${index === 0 ? fmtDate(entry.created_at) : ""}</td>
          <td data-label="Change">${index === 0 ? entry.action : ""}</td>
          <td data-label="By">${index === 0 ? html`${entry.credential || "unknown"}<br /><small>${entry.request_id || ""}</small>` : ""}</td>
          <td data-label="Field">${field || "—"}</td>
          <td data-label="Before">${field ? fmtValue(entry.before[field]) : "—"}</td>
          <td data-label="After">${field ? fmtValue(entry.after[field]) : "—"}</td>
        </tr>`);
      })}</tbody></table></div>
      ${list.data.length === 0 && html`<p>No changes recorded.</p>`}
      <${Pager} label=${`${title} pages`} ...${pages.controls(list)} />`}
  </section>`;
}

// ------------------------------------------------------------------------------------------ coupons

const IMPORT_CHUNK = 500;

// Codes from a CSV or text file: the first cell of every line, a header line ("code", "coupon_code")
// skipped, duplicates dropped (codes match case-insensitively, as the API compares them).
export function codesFromFile(text) {
  const seen = new Set();
  const codes = [];
  for (const line of text.split(/\r?\n/)) {
    const cell = line.split(/[,;\t]/)[0].trim().replace(/^"(.*)"$/, "$1").trim();
    if (!cell || /^(coupon_)?codes?$/i.test(cell) || seen.has(cell.toUpperCase())) continue;
    seen.add(cell.toUpperCase());
    codes.push(cell);
  }
  return codes;
}

function describeDiscount(d) {
  if (!d) return "—";
  if (d.type === "percent") return `${d.value}%${d.max_discount ? ` (max ${d.max_discount})` : ""}`;
  if (d.type === "free_shipping") return "free shipping";
  return `${fmtNumber(d.value)} off`;
}

function CodeImport({ api, coupon, onDone }) {
  const [progress, setProgress] = useState(null);
  const [error, setError] = useState(null);
  const importFile = async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    setError(null);
    const codes = codesFromFile(await file.text());
    const totals = { sent: 0, created: 0, already: 0, total: codes.length };
    setProgress({ ...totals });
    try {
      for (let start = 0; start < codes.length; start += IMPORT_CHUNK) {
        const chunk = codes.slice(start, start + IMPORT_CHUNK);
        const result = await api("POST", `/coupons/${enc(coupon.coupon_id)}/codes`, { codes: chunk });
        totals.sent += chunk.length;
        totals.created += result.created;
        totals.already += result.already_in_pool;
        setProgress({ ...totals, counts: result.codes });
      }
      onDone();
    } catch (failure) {
      setError(failure);
    }
    event.target.value = "";
  };
  return html`<div>
    <label for="code-file">Import codes from a CSV or text file</label>
    <input id="code-file" type="file" accept=".csv,.txt,text/csv,text/plain" onChange=${importFile} aria-describedby="code-file-hint" />
    <p class="hint" id="code-file-hint">One code per line (the first column of a CSV); sent ${IMPORT_CHUNK} at a time.</p>
    ${progress && html`<div>
      <progress max=${progress.total || 1} value=${progress.sent} aria-label="Import progress"></progress>
      <p role="status" data-testid="import-status">Sent ${fmtNumber(progress.sent)} of ${fmtNumber(progress.total)} codes: ${fmtNumber(progress.created)} added, ${fmtNumber(progress.already)} already in the pool${progress.sent === progress.total ? ". Done." : "…"}</p>
    </div>`}
    <${ErrorBox} error=${error} />
  </div>`;
}

function CouponDetail({ api, couponId }) {
  const [version, setVersion] = useState(0);
  const { data, error } = useApi(api, [`/coupons/${enc(couponId)}`], [couponId, version]);
  const redemptions = useList(api, `/coupons/${enc(couponId)}/redemptions`, [couponId, version]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (!data) return html`<p>Loading…</p>`;
  const coupon = data[0];
  return html`<section class="card" aria-labelledby="coupon-detail">
    <h2 id="coupon-detail">${coupon.name || coupon.coupon_code || coupon.coupon_id}</h2>
    <dl class="props">
      <dt>Coupon id</dt><dd>${coupon.coupon_id}</dd>
      <dt>Code</dt><dd>${coupon.coupon_code || "a pool of codes"}</dd>
      <dt>Discount</dt><dd>${describeDiscount(coupon.discount)}</dd>
      <dt>Status</dt><dd><${StatusBadge} status=${coupon.status} /></dd>
      <dt>Redeemed</dt><dd>${fmtNumber(coupon.redeemed)}${coupon.usage_limit ? ` of ${fmtNumber(coupon.usage_limit)}` : ""}</dd>
      ${coupon.codes && html`<dt>Pool</dt><dd data-testid="pool-counts">${fmtNumber(coupon.codes.total)} codes: ${fmtNumber(coupon.codes.issued)} issued, ${fmtNumber(coupon.codes.redeemed)} redeemed, ${fmtNumber(coupon.codes.voided)} voided, ${fmtNumber(coupon.codes.available)} available</dd>`}
      <dt>Valid</dt><dd>${fmtDate(coupon.starts_at)} to ${fmtDate(coupon.ends_at)}</dd>
    </dl>
    ${!coupon.coupon_code && html`<${CodeImport} api=${api} coupon=${coupon} onDone=${() => setVersion((v) => v + 1)} />`}
    <h3>Redemptions</h3>
    <${ErrorBox} error=${redemptions.error} />
    ${redemptions.list && html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">When</th><th scope="col">Code</th><th scope="col">Order</th><th scope="col">Customer</th><th scope="col" class="num">Discount</th><th scope="col">Status</th></tr></thead>
      <tbody>${redemptions.list.data.map((r) => html`<tr><td>${fmtDate(r.created_at)}</td><td>${r.coupon_code}</td><td>${r.order_id}</td><td>${r.source_id}</td><td class="num">${fmtNumber(r.discount)}</td><td>${r.status}</td></tr>`)}</tbody>
    </table></div>
    ${redemptions.list.data.length === 0 && html`<p>No redemptions yet.</p>`}
    <${Pager} label="Redemption pages" ...${redemptions.pages.controls(redemptions.list)} />`}
  </section>
  <${History} api=${api} objectType="coupon" objectId=${coupon.coupon_id} version=${version} />`;
}

const NEW_COUPON = { coupon_code: "", name: "", type: "amount", value: "", max_discount: "", starts_at: "", ends_at: "", usage_limit: "", usage_limit_per_customer: "" };

function CouponForm({ api, onCreated }) {
  const form = useForm(NEW_COUPON);
  const v = form.values;
  const submit = async (event) => {
    event.preventDefault();
    const body = {
      coupon_code: optional(v.coupon_code),
      name: optional(v.name),
      discount: { type: v.type, value: optionalNumber(v.value), max_discount: optionalNumber(v.max_discount) },
      starts_at: isoFromLocal(v.starts_at),
      ends_at: isoFromLocal(v.ends_at),
      usage_limit: optionalNumber(v.usage_limit),
      usage_limit_per_customer: optionalNumber(v.usage_limit_per_customer),
    };
    try {
      const created = await api("POST", "/coupons", body);
      form.setError(null);
      form.setValues(NEW_COUPON);
      onCreated(created);
    } catch (failure) {
      form.setError(failure);
    }
  };
  const fields = html`<div class="row">
      ${form.field("coupon_code", "Code", { hint: "Leave empty for a pool of codes imported from a file" })}
      ${form.field("name", "Name")}
    </div>
    <div class="row">
      ${form.field("type", "Discount type", { name: "discount.type", options: [["amount", "Amount off"], ["percent", "Percent off"], ["free_shipping", "Free shipping"]] })}
      ${v.type !== "free_shipping" && form.field("value", "Discount value", { name: "discount.value", type: "number", step: "any" })}
      ${v.type === "percent" && form.field("max_discount", "Maximum discount", { name: "discount.max_discount", type: "number", step: "any" })}
    </div>
    <div class="row">
      ${form.field("starts_at", "Starts", { type: "datetime-local" })}
      ${form.field("ends_at", "Ends", { type: "datetime-local" })}
      ${form.field("usage_limit", "Usage limit", { type: "number", min: "1", hint: "Empty: unlimited" })}
      ${form.field("usage_limit_per_customer", "Usage limit per customer", { type: "number", min: "1" })}
    </div>`;
  return html`<form class="card" onSubmit=${submit} aria-labelledby="new-coupon" novalidate>
    <h2 id="new-coupon">New coupon</h2>
    <${FormAlert} form=${form} what="Creating the coupon" />
    ${fields}
    <div class="actions"><button type="submit">Create coupon</button></div>
  </form>`;
}

function Coupons({ api, arg }) {
  const [version, setVersion] = useState(0);
  const { list, error, pages, missing } = useList(api, "/coupons", [version]);
  const [notice, setNotice] = useState(null);
  const [actionError, setActionError] = useState(null);
  if (missing) return html`<${Unavailable} what="Coupons" />`;
  const setStatus = async (coupon, status) => {
    setActionError(null);
    try {
      await api("PATCH", `/coupons/${enc(coupon.coupon_id)}`, { status });
      setVersion((n) => n + 1);
    } catch (failure) {
      setActionError(failure);
    }
  };
  return html`
    <${Notice}>${notice}<//>
    <${ErrorBox} error=${error || actionError} />
    <section class="card" aria-labelledby="coupon-list">
      <h2 id="coupon-list">Coupons</h2>
      ${list && html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">Coupon</th><th scope="col">Discount</th><th scope="col">Status</th><th scope="col" class="num">Redeemed</th><th scope="col">Codes</th><th scope="col">Actions</th></tr></thead>
        <tbody>${list.data.map((c) => {
          const label = c.name || c.coupon_code || c.coupon_id;
          return html`<tr>
            <th scope="row"><a href=${`#/coupons/${enc(c.coupon_id)}`}>${label}</a><br /><small>${c.coupon_id}</small></th>
            <td>${describeDiscount(c.discount)}</td><td><${StatusBadge} status=${c.status} /></td><td class="num">${fmtNumber(c.redeemed)}</td>
            <td>${c.codes ? `${fmtNumber(c.codes.available)} of ${fmtNumber(c.codes.total)} available` : c.coupon_code}</td>
            <td>${c.status === "active"
              ? html`<button class="secondary" onClick=${() => setStatus(c, "disabled")} aria-label=${`Disable ${label}`}>Disable</button>`
              : html`<button class="secondary" onClick=${() => setStatus(c, "active")} aria-label=${`Enable ${label}`}>Enable</button>`}</td>
          </tr>`;
        })}</tbody>
      </table></div>
      ${list.data.length === 0 && html`<p>No coupons yet.</p>`}
      <${Pager} label="Coupon pages" ...${pages.controls(list)} />`}
    </section>
    ${arg && html`<${CouponDetail} api=${api} couponId=${arg} key=${arg} />`}
    <${CouponForm} api=${api} onCreated=${(c) => { setNotice(`Coupon ${c.name || c.coupon_code || c.coupon_id} created (${c.coupon_id})`); pages.reset(); setVersion((n) => n + 1); location.hash = `#/coupons/${enc(c.coupon_id)}`; }} />`;
}

// ------------------------------------------------------------------------------------------ rewards

const NEW_REWARD = { name: "", type: "MATERIAL", points_to_be_redeemed: "", stock: "", product_id: "", coupon_definition: "", exchange_ratio: "", points_ratio: "", brand: "", description: "" };

function rewardAttributes(v, editing) {
  const attributes = { ...(editing ? editing.attributes : {}) };
  delete attributes.description;
  if (optional(v.description)) attributes.description = v.description;
  return editing || Object.keys(attributes).length ? attributes : undefined;
}

// editing: the reward as read, when saving an edit (PATCH replaces `attributes` and `parameters` whole, so
// what this form does not show, such as image_url, is sent back as it was).
function rewardBody(v, editing) {
  const creating = !editing;
  const kept = editing ? editing.parameters : {}; // PATCH replaces parameters whole too (a campaign's type)
  const parameters =
    v.type === "MATERIAL" ? { product: { ...kept.product, id: v.product_id } }
    : v.type === "CAMPAIGN" ? { campaign: { ...kept.campaign, id: v.coupon_definition } }
    : { coin: { ...kept.coin, exchange_ratio: optionalNumber(v.exchange_ratio), points_ratio: optionalNumber(v.points_ratio) } };
  const body = {
    name: v.name,
    parameters,
    points_to_be_redeemed: v.type === "COIN" ? undefined : optionalNumber(v.points_to_be_redeemed) ?? (creating ? undefined : null),
    stock: v.type === "MATERIAL" ? optionalNumber(v.stock) ?? (creating ? undefined : null) : undefined,
    brand: optional(v.brand),
    attributes: rewardAttributes(v, editing),
  };
  return creating ? { ...body, type: v.type } : body;
}

function RewardForm({ api, editing, onSaved, onCancel }) {
  const initial = editing
    ? {
        ...NEW_REWARD,
        name: editing.name,
        type: editing.type,
        points_to_be_redeemed: editing.points_to_be_redeemed ?? "",
        stock: editing.stock ?? "",
        product_id: editing.parameters.product ? editing.parameters.product.id : "",
        coupon_definition: editing.parameters.campaign ? editing.parameters.campaign.id : "",
        exchange_ratio: editing.parameters.coin ? editing.parameters.coin.exchange_ratio : "",
        points_ratio: editing.parameters.coin ? editing.parameters.coin.points_ratio : "",
        brand: editing.brand || "",
        description: (editing.attributes && editing.attributes.description) || "",
      }
    : NEW_REWARD;
  const form = useForm(initial);
  const v = form.values;
  const submit = async (event) => {
    event.preventDefault();
    try {
      const saved = editing
        ? await api("PATCH", `/rewards/${enc(editing.id)}`, rewardBody(v, editing))
        : await api("POST", "/rewards", rewardBody(v, null));
      form.setError(null);
      onSaved(saved, Boolean(editing));
    } catch (failure) {
      form.setError(failure);
    }
  };
  const fields = html`<div class="row">
      ${form.field("name", "Reward name", { required: true })}
      ${form.field("type", "Reward type", { options: [["MATERIAL", "Material (a product)"], ["CAMPAIGN", "Coupon from a pool"], ["COIN", "Coins for points"]], disabled: Boolean(editing) })}
      ${form.field("brand", "Brand")}
    </div>
    <div class="row">
      ${v.type === "MATERIAL" && form.field("product_id", "Product id", { name: "parameters.product.id" })}
      ${v.type === "CAMPAIGN" && form.field("coupon_definition", "Coupon id (pool)", { name: "parameters.campaign.id" })}
      ${v.type === "COIN" && form.field("exchange_ratio", "Value given", { name: "parameters.coin.exchange_ratio", type: "number", step: "any" })}
      ${v.type === "COIN" && form.field("points_ratio", "For points", { name: "parameters.coin.points_ratio", type: "number", step: "any" })}
      ${v.type !== "COIN" && form.field("points_to_be_redeemed", "Points cost", { type: "number", min: "0" })}
      ${v.type === "MATERIAL" && form.field("stock", "Stock", { type: "number", min: "0", hint: "Empty: unlimited" })}
    </div>
    ${form.field("description", "Description", { name: "attributes.description" })}`;
  return html`<form class="card" onSubmit=${submit} aria-labelledby="reward-form" novalidate>
    <h2 id="reward-form">${editing ? `Edit ${editing.name}` : "New reward"}</h2>
    <${FormAlert} form=${form} what=${editing ? "Saving the reward" : "Creating the reward"} />
    ${fields}
    <div class="actions">
      <button type="submit">${editing ? "Save reward" : "Create reward"}</button>
      ${editing && html`<button type="button" class="secondary" onClick=${onCancel}>Cancel</button>`}
    </div>
  </form>`;
}

// What a reward's row tells the operator: what it gives, what is left of it, and why no member can get it
// now although it is active (the API's own reasons, as GET /customers/{source_id}/rewards?explain=true
// gives them, read from the reward itself).
export function rewardGives(reward) {
  const { product, campaign, coin } = reward.parameters;
  if (product) return `product ${product.id}`;
  if (campaign) return `a code of coupon ${campaign.id}`;
  if (coin) return `${fmtNumber(coin.exchange_ratio)} for every ${fmtNumber(coin.points_ratio)} points`;
  return "";
}

// What one redemption debits, as the API computes it: the points price, else a payment config's, else 0.
export function rewardPointsCost(reward) {
  const configured = (reward.payment_configs || []).find((config) => config.points !== undefined && config.points !== null);
  return reward.points_to_be_redeemed ?? (configured ? configured.points : 0);
}

export function rewardLeft(reward) {
  const pool = reward.coupons_info;
  if (pool) return `${fmtNumber(pool.total_coupons - pool.issued_coupons)} of ${fmtNumber(pool.total_coupons)} codes left`;
  if (reward.stock === null || reward.stock === undefined) return "unlimited";
  return `${fmtNumber(Math.max(0, reward.stock - reward.redeemed))} of ${fmtNumber(reward.stock)} left`;
}

export function rewardUnavailable(reward, now = Date.now()) {
  const reasons = [];
  const pool = reward.coupons_info;
  if (reward.stock !== null && reward.stock !== undefined && reward.redeemed >= reward.stock) reasons.push("out of stock");
  if (pool && pool.total_coupons - pool.issued_coupons <= 0) reasons.push("coupon pool empty");
  if (reward.start_time && Date.parse(reward.start_time) > now) reasons.push(`starts ${fmtDate(reward.start_time)}`);
  if (reward.end_time && Date.parse(reward.end_time) <= now) reasons.push(`ended ${fmtDate(reward.end_time)}`);
  return reasons;
}

const REWARD_TYPES = { MATERIAL: "Material", CAMPAIGN: "Coupon from a pool", COIN: "Coins" };

function RewardRow({ reward: r, onEdit, onSetActive }) {
  const reasons = r.is_active ? rewardUnavailable(r) : [];
  return html`<tr>
    <th scope="row">${r.name}<br /><small>${r.id}${r.brand ? ` · brand ${r.brand}` : ""}</small></th>
    <td>${REWARD_TYPES[r.type] || r.type}<br /><small>${rewardGives(r)}</small></td>
    <td class="num">${r.type === "COIN" ? "chosen" : fmtNumber(rewardPointsCost(r))}</td>
    <td class="num">${rewardLeft(r)}</td><td class="num">${fmtNumber(r.redeemed)}</td>
    <td><${StatusBadge} status=${r.is_active ? "active" : "disabled"} />
      ${reasons.length > 0 && html`<br /><small class="unavailable">not available: ${reasons.join(", ")}</small>`}</td>
    <td><div class="actions">
      <button class="secondary" onClick=${onEdit} aria-label=${`Edit ${r.name}`}>Edit</button>
      ${r.is_active
        ? html`<button class="danger" onClick=${() => onSetActive(false)} aria-label=${`Disable ${r.name}`}>Disable</button>`
        : html`<button class="secondary" onClick=${() => onSetActive(true)} aria-label=${`Enable ${r.name}`}>Enable</button>`}
    </div></td>
  </tr>`;
}

function Rewards({ api }) {
  const [filters, setFilters] = useState({ type: "", active: "", brand: "" });
  const [version, setVersion] = useState(0);
  const [editing, setEditing] = useState(null);
  const [notice, setNotice] = useState(null);
  const [actionError, setActionError] = useState(null);
  const query = [
    filters.type && `type=${filters.type}`,
    filters.active && `active=${filters.active}`,
    filters.brand && `brand=${enc(filters.brand)}`,
  ].filter(Boolean).join("&");
  const { list, error, pages, missing, loading } = useList(api, `/rewards${query ? `?${query}` : ""}`, [query, version]);
  if (missing) return html`<${Unavailable} what="Rewards" />`;
  const setActive = async (reward, active) => {
    setActionError(null);
    setNotice(null);
    try {
      await api("PATCH", `/rewards/${enc(reward.id)}`, { is_active: active });
      setNotice(`Reward ${reward.name} ${active ? "enabled" : "disabled"}`);
      setVersion((n) => n + 1);
    } catch (failure) {
      setActionError(failure);
    }
  };
  const filter = (name) => (e) => { pages.reset(); setFilters({ ...filters, [name]: e.target.value }); };
  // The brand is applied on submit (Enter or the button), not on every key: one request per search.
  const searchBrand = (event) => {
    event.preventDefault();
    pages.reset();
    setFilters({ ...filters, brand: event.currentTarget.elements.brand.value.trim() });
  };
  const filtered = Boolean(query);
  return html`
    <${Notice}>${notice}<//>
    <${ErrorBox} error=${error || actionError} />
    ${error && html`<div class="actions"><button class="secondary" onClick=${() => setVersion((n) => n + 1)}>Try again</button></div>`}
    <section class="card" aria-labelledby="reward-list" aria-busy=${loading ? "true" : "false"}>
      <h2 id="reward-list">Rewards catalog</h2>
      <form class="row" role="search" aria-label="Filters" onSubmit=${searchBrand}>
        <div><label for="filter-type">Type</label><select id="filter-type" value=${filters.type} onChange=${filter("type")}>
          <option value="">All types</option><option value="MATERIAL">Material</option><option value="CAMPAIGN">Coupon from a pool</option><option value="COIN">Coins</option></select></div>
        <div><label for="filter-active">Status</label><select id="filter-active" value=${filters.active} onChange=${filter("active")}>
          <option value="">Active and disabled</option><option value="true">Active</option><option value="false">Disabled</option></select></div>
        <div><label for="filter-brand">Brand</label><input id="filter-brand" name="brand" defaultValue=${filters.brand} /></div>
        <div><button type="submit" class="secondary">Filter by brand</button></div>
      </form>
      ${list && html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">Reward</th><th scope="col">Type</th><th scope="col" class="num">Points</th><th scope="col" class="num">Stock</th><th scope="col" class="num">Redeemed</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
        <tbody>${list.data.map((r) => html`<${RewardRow} reward=${r} key=${r.id} onEdit=${() => setEditing(r)} onSetActive=${(active) => setActive(r, active)} />`)}</tbody>
      </table></div>
      ${list.data.length === 0 && html`<p>${filtered ? "No rewards match these filters." : "No rewards yet: create the first one below."}</p>`}
      <${Pager} label="Reward pages" ...${pages.controls(list)} />`}
    </section>
    <${RewardForm} api=${api} editing=${editing} key=${editing ? editing.id : "new"} onCancel=${() => setEditing(null)}
      onSaved=${(r, edited) => { setNotice(`Reward ${r.name} ${edited ? "saved" : "created"} (${r.id})`); setEditing(null); setVersion((n) => n + 1); }} />`;
}

// ------------------------------------------------------------------------------------------ webhooks

const EVENT_TYPES = ["*", "customer.created", "points.credited", "points.debited", "rule.completed", "coupon.redeemed", "coupon.reverted", "reward.redeemed", "reward.redemption_cancelled", "window.expired", "points.expired", "points.activated", "points.reversed"];

function Deliveries({ api, webhookId }) {
  const [version, setVersion] = useState(0);
  const [actionError, setActionError] = useState(null);
  const { list, error, pages } = useList(api, `/webhooks/${enc(webhookId)}/deliveries`, [webhookId, version]);
  const retry = async (delivery) => {
    setActionError(null);
    try {
      await api("POST", `/webhooks/${enc(webhookId)}/deliveries/${enc(delivery.id)}/retry`);
      setVersion((n) => n + 1);
    } catch (failure) {
      setActionError(failure);
    }
  };
  return html`<section class="card" aria-labelledby="deliveries">
    <h2 id="deliveries">Deliveries of ${webhookId}</h2>
    <div class="actions"><button class="secondary" onClick=${() => setVersion((n) => n + 1)}>Refresh deliveries</button></div>
    <${ErrorBox} error=${error || actionError} />
    ${list && html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last answer</th><th scope="col">Last attempt</th><th scope="col">Actions</th></tr></thead>
      <tbody>${list.data.map((d) => html`<tr>
        <td>${d.event_type}<br /><small>${d.event_id}</small></td><td>${d.status}</td><td class="num">${d.attempts}</td>
        <td>${d.status_code ?? d.error ?? "—"}</td><td>${fmtDate(d.last_attempt_at)}</td>
        <td>${d.status !== "delivered" && html`<button class="secondary" onClick=${() => retry(d)} aria-label=${`Retry ${d.id}`}>Retry</button>`}</td>
      </tr>`)}</tbody>
    </table></div>
    ${list.data.length === 0 && html`<p>No deliveries yet.</p>`}
    <${Pager} label="Delivery pages" ...${pages.controls(list)} />`}
  </section>`;
}

function Webhooks({ api, arg }) {
  const [version, setVersion] = useState(0);
  const { list, error, pages, missing } = useList(api, "/webhooks", [version]);
  const form = useForm({ url: "", description: "" });
  const [events, setEvents] = useState(["*"]);
  const [created, setCreated] = useState(null);
  const [actionError, setActionError] = useState(null);
  if (missing) return html`<${Unavailable} what="Webhooks" />`;
  const submit = async (event) => {
    event.preventDefault();
    try {
      const webhook = await api("POST", "/webhooks", { url: form.values.url, events, description: optional(form.values.description) });
      form.setError(null);
      form.setValues({ url: "", description: "" });
      setCreated(webhook);
      setVersion((n) => n + 1);
    } catch (failure) {
      form.setError(failure);
    }
  };
  const remove = async (webhook) => {
    setActionError(null);
    try {
      await api("DELETE", `/webhooks/${enc(webhook.id)}`);
      setVersion((n) => n + 1);
    } catch (failure) {
      setActionError(failure);
    }
  };
  const toggle = (type) => setEvents(events.includes(type) ? events.filter((t) => t !== type) : [...events, type]);
  const fields = html`${form.field("url", "Endpoint URL", { type: "url", hint: "https, a public address" })}
    ${form.field("description", "Description")}
    <fieldset><legend>Events</legend>
      ${EVENT_TYPES.map((type) => html`<label class="check"><input type="checkbox" checked=${events.includes(type)} onChange=${() => toggle(type)} /> ${type === "*" ? "every event (*)" : type}</label>`)}
    </fieldset>`;
  return html`
    ${created && html`<div class="notice" role="status">
      <p>Webhook ${created.id} registered. Its signing secret is shown only now: store it to verify the signatures.</p>
      <p class="secret" data-testid="webhook-secret">${created.secret}</p>
      <button class="secondary" onClick=${() => setCreated(null)}>I have stored the secret</button>
    </div>`}
    <${ErrorBox} error=${error || actionError} />
    <section class="card" aria-labelledby="webhook-list">
      <h2 id="webhook-list">Webhooks</h2>
      ${list && html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">Endpoint</th><th scope="col">Events</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
        <tbody>${list.data.map((w) => html`<tr>
          <th scope="row">${w.url}<br /><small>${w.id}</small>${w.description ? html`<br />${w.description}` : ""}</th>
          <td>${w.events.join(", ")}</td><td>${fmtDate(w.created_at)}</td>
          <td><div class="actions">
            <a href=${`#/webhooks/${enc(w.id)}`} aria-label=${`Deliveries of ${w.url}`}>Deliveries</a>
            <button class="danger" onClick=${() => remove(w)} aria-label=${`Delete ${w.url}`}>Delete</button>
          </div></td>
        </tr>`)}</tbody>
      </table></div>
      ${list.data.length === 0 && html`<p>No webhooks yet.</p>`}
      <${Pager} label="Webhook pages" ...${pages.controls(list)} />`}
    </section>
    ${arg && html`<${Deliveries} api=${api} webhookId=${arg} key=${arg} />`}
    <form class="card" onSubmit=${submit} aria-labelledby="new-webhook" novalidate>
      <h2 id="new-webhook">Register a webhook</h2>
      <${FormAlert} form=${form} what="Registering the webhook" />
      ${fields}
      <div class="actions"><button type="submit">Register webhook</button></div>
    </form>`;
}

// ------------------------------------------------------------------------------------------ earning rules

const condition = (c) => `${c.field} ${c.operator} ${Array.isArray(c.value) ? c.value.join(", ") : c.value}`;

export function describeEarn(rule) {
  const { points, per, of, rounding } = rule.earn;
  const base = per === null ? `${fmtNumber(points)} per order` : `${fmtNumber(points)} per ${fmtNumber(per)} of ${of}, rounded ${rounding}`;
  const m = rule.multiplier;
  if (!m) return base;
  const window = m.starts_at || m.ends_at ? ` from ${fmtDate(m.starts_at)} to ${fmtDate(m.ends_at)}` : "";
  return `${base}, x${m.factor}${window}`;
}

function describeSelection(items) {
  const parts = [...items.match.map(condition), ...items.exclude.map((c) => `not ${condition(c)}`)];
  return parts.length ? parts.join("; ") : "every item";
}

function describeLimits(limits) {
  const cap = limits.per_customer;
  const parts = [cap && `${fmtNumber(cap.points)} per customer per ${cap.period}${cap.time_zone ? ` (${cap.time_zone})` : ""}`, limits.budget && `budget ${fmtNumber(limits.budget)}`];
  return parts.filter(Boolean).join("; ") || "none";
}

// The form's values as the API's body: only what was filled in is sent, so the API's defaults apply.
export function earningRuleBody(v) {
  const body = { name: v.name, earn: { points: Number(v["earn.points"]), rounding: v["earn.rounding"] } };
  if (optional(v["earn.per"]) !== undefined) body.earn.per = Number(v["earn.per"]);
  if (optional(v.category) !== undefined) body.items = { match: [{ field: "metadata.category", operator: "eq", value: v.category }] };
  if (optional(v.multiplier) !== undefined) body.multiplier = Number(v.multiplier);
  const limits = {};
  if (optional(v["limits.per_customer.points"]) !== undefined) {
    limits.per_customer = { points: Number(v["limits.per_customer.points"]), period: v["limits.per_customer.period"] };
  }
  if (optional(v["limits.budget"]) !== undefined) limits.budget = Number(v["limits.budget"]);
  if (Object.keys(limits).length) body.limits = limits;
  return body;
}

const NEW_EARNING_RULE = { name: "", "earn.points": "1", "earn.per": "1", "earn.rounding": "down", category: "", multiplier: "", "limits.per_customer.points": "", "limits.per_customer.period": "day", "limits.budget": "" };

function EarningRuleForm({ api, onCreated }) {
  const form = useForm(NEW_EARNING_RULE);
  const submit = async (event) => {
    event.preventDefault();
    try {
      const rule = await api("POST", "/earning-rules", earningRuleBody(form.values));
      form.setError(null);
      form.setValues(NEW_EARNING_RULE);
      onCreated(rule);
    } catch (failure) {
      form.setError(failure);
    }
  };
  const fields = html`${form.field("name", "Name", { required: true })}
    <div class="row">${form.field("earn.points", "Points", { type: "number", hint: "per the amount below, or per order when it is empty" })}
      ${form.field("earn.per", "Per amount spent", { type: "number" })}
      ${form.field("earn.rounding", "Rounding", { options: [["down", "down"], ["up", "up"], ["half_up", "half up"]] })}</div>
    <div class="row">${form.field("category", "Only items of category", { hint: "metadata.category; empty: every item" })}
      ${form.field("multiplier", "Multiplier", { type: "number" })}</div>
    <div class="row">${form.field("limits.per_customer.points", "Cap per customer", { type: "number" })}
      ${form.field("limits.per_customer.period", "Per", { options: [["day", "day"], ["week", "week"], ["month", "month"], ["year", "year"], ["lifetime", "lifetime"]] })}
      ${form.field("limits.budget", "Budget (points in all)", { type: "number" })}</div>`;
  return html`<form class="card" onSubmit=${submit} aria-labelledby="new-earning-rule" novalidate>
    <h2 id="new-earning-rule">New earning rule</h2>
    <${FormAlert} form=${form} what="Creating the rule" />
    ${fields}
    <div class="actions"><button type="submit">Create rule</button></div>
  </form>`;
}

// An order as the rules credited it: points per rule and item, what returns took back.
function OrderView({ api, orderId }) {
  const { data, error, loading } = useApi(api, [`/orders/${enc(orderId)}`], [orderId]);
  const order = data && data[0];
  return html`<section class="card" aria-labelledby="order-title" aria-busy=${loading ? "true" : "false"}>
    <h2 id="order-title">Order ${orderId}</h2>
    <${Loading} when=${loading} what="the order" />
    <${ErrorBox} error=${error} />
    ${order && html`<dl class="props">
      <dt>Customer</dt><dd><a href=${`#/customers/${enc(order.source_id)}`}>${order.source_id}</a></dd>
      <dt>Placed</dt><dd>${fmtDate(order.occurred_at)}</dd>
      <dt>Points earned</dt><dd data-testid="order-earned">${fmtNumber(order.points.earned)}</dd>
      <dt>Taken back</dt><dd data-testid="order-taken-back">${fmtNumber(order.points.taken_back)}</dd>
      <dt>Status</dt><dd>${order.cancelled_at ? `cancelled ${fmtDate(order.cancelled_at)}` : `${order.returns.length} return(s)`}</dd>
    </dl>
    <div class="table-wrap"><table aria-label="Points per rule and item">
      <thead><tr><th scope="col">Rule</th><th scope="col">Item</th><th scope="col" class="num">Points</th><th scope="col" class="num">Taken back</th></tr></thead>
      <tbody>${order.earnings.flatMap((e) => e.items.map((item) => html`<tr>
        <th scope="row">${e.rule_name}${e.limited_by ? html`<br /><small>${fmtNumber(e.earned - e.granted)} withheld by the ${e.limited_by === "budget" ? "budget" : "cap"}</small>` : ""}</th>
        <td>${item.product_id}</td><td class="num">${fmtNumber(item.points)}</td><td class="num">${fmtNumber(item.taken_back)}</td>
      </tr>`))}</tbody>
    </table></div>`}
  </section>`;
}

function Earning({ api, arg }) {
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState(null);
  const [actionError, setActionError] = useState(null);
  const [orderId, setOrderId] = useState("");
  const { list, error, pages, missing } = useList(api, "/earning-rules", [version]);
  if (missing) return html`<${Unavailable} what="Earning rules" />`;
  const remove = async (rule) => {
    setActionError(null);
    try {
      await api("DELETE", `/earning-rules/${enc(rule.id)}`);
      setVersion((n) => n + 1);
    } catch (failure) {
      setActionError(failure);
    }
  };
  const lookUp = (event) => {
    event.preventDefault();
    if (orderId.trim()) location.hash = `#/earning/${enc(orderId.trim())}`;
  };
  return html`
    ${notice && html`<${Notice}>${notice}<//>`}
    <${ErrorBox} error=${error || actionError} />
    <section class="card" aria-labelledby="earning-rules">
      <h2 id="earning-rules">Earning rules</h2>
      ${list && html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">Rule</th><th scope="col">Earns</th><th scope="col">Items</th><th scope="col">Limits</th><th scope="col" class="num">Budget used</th><th scope="col">Actions</th></tr></thead>
        <tbody>${list.data.map((r) => html`<tr>
          <th scope="row">${r.name}<br /><small>${r.id} · ${r.status}</small></th>
          <td>${describeEarn(r)}</td><td>${describeSelection(r.items)}</td><td>${describeLimits(r.limits)}</td>
          <td class="num">${fmtNumber(r.budget_used)}${r.budget_left !== null ? html`<br /><small>${fmtNumber(r.budget_left)} left</small>` : ""}</td>
          <td><button class="danger" onClick=${() => remove(r)} aria-label=${`Delete ${r.name}`}>Delete</button></td>
        </tr>`)}</tbody>
      </table></div>
      ${list.data.length === 0 && html`<p>No earning rules yet.</p>`}
      <${Pager} label="Earning rule pages" ...${pages.controls(list)} />`}
    </section>
    <form class="card row" role="search" aria-label="Find an order" onSubmit=${lookUp}>
      <div><label for="order-id">Order id</label><input id="order-id" value=${orderId} onInput=${(e) => setOrderId(e.target.value)} /></div>
      <div class="actions"><button type="submit">Show order</button></div>
    </form>
    ${arg && html`<${OrderView} api=${api} orderId=${arg} key=${arg} />`}
    <${EarningRuleForm} api=${api} onCreated=${(r) => { setNotice(`Earning rule ${r.name} created (${r.id})`); pages.reset(); setVersion((n) => n + 1); }} />`;
}

// ------------------------------------------------------------------------------------------ settings

const RETURN_POLICIES = {
  within_balance: "a reversal takes at most what the balance holds; the rest is recorded as a shortfall",
  allow_negative: "a reversal may take the balance below zero",
};

// A customer's tier: with a tier program, the computed one with its gaps (to the next tier, to keep this
// one); without one, the text the merchant set on the profile.
function TierValue({ tier }) {
  if (!tier) return "—";
  if (typeof tier === "string") return tier;
  const counted = tier.qualify_on === "spend" ? "qualifying spend" : "qualifying points";
  const parts = [`${tier.name} since ${fmtDate(tier.since)}`, `${fmtNumber(tier.qualifying)} ${counted}`];
  if (tier.override) parts.push(`an override until ${fmtDate(tier.override.until)} (earned: ${tier.held})`);
  if (tier.next) parts.push(`${fmtNumber(tier.next.needed)} more for ${tier.next.name}`);
  if (tier.keep) parts.push(`${fmtNumber(tier.keep.needed)} by ${fmtDate(tier.keep.by)} to keep ${tier.keep.name}`);
  return html`<span data-testid="tier">${parts.join("; ")}</span>`;
}

// GET /settings/tiers, read-only here (PUT /settings/tiers changes it); a 404 means no program is set. Its
// members per tier are the tiers held as stored (README, "Tier distribution").
function TierProgramCard({ api }) {
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    api("GET", "/settings/tiers")
      .then((program) => setState({ program }))
      .catch((error) => setState(error instanceof ApiError && error.status === 404 ? {} : { error }));
  }, []);
  const { program, error, loading } = state;
  const counted = program && (program.window.rolling_months ? `the last ${program.window.rolling_months} months` : "the calendar year");
  const onSpend = program && program.qualify_on === "spend";
  return html`<section class="card" aria-labelledby="tier-program" aria-busy=${loading ? "true" : "false"}>
    <h2 id="tier-program">Tier program</h2>
    <${Loading} when=${loading} what="the tier program" />
    <${ErrorBox} error=${error} />
    ${!loading && !error && !program && html`<p data-testid="no-tier-program">No tier program: a customer's tier is the text set on its profile.</p>`}
    ${program && html`<table data-testid="tiers"><thead><tr><th>Tier</th><th>From (${onSpend ? "qualifying spend" : "qualifying points"})</th><th>Earning multiplier</th><th>Members</th></tr></thead>
      <tbody>${program.tiers.map((tier, index) => html`<tr><td>${tier.name}</td><td>${fmtNumber(tier.threshold)}</td><td>${tier.multiplier ? `x${tier.multiplier}` : "—"}</td><td data-testid="tier-members">${fmtNumber(program.members[index].members)}</td></tr>`)}</tbody></table>
    ${program.former_tiers.length > 0 && html`<p data-testid="former-tiers">Still counted in tiers this program no longer has, until their next qualifying write: ${program.former_tiers.map((tier) => `${tier.name} ${fmtNumber(tier.members)}`).join(", ")}.</p>`}
    <p class="hint">Members are counted in the tier they hold as stored: an upgrade at once, a drop when the daily tier job records it; overrides are not counted.</p>
    <dl class="props">
      <dt>${onSpend ? "Qualifying spend" : "Qualifying points"}</dt><dd data-testid="qualify-on">${onSpend ? "order value less returns" : "points earned"} over ${counted}</dd>
      <dt>Downgrades</dt><dd data-testid="downgrade">${program.downgrade.policy === "one_down" ? "one tier at a time" : "to the tier qualified for"}, after ${fmtNumber(program.downgrade.grace_days)} days of grace, announced ${fmtNumber(program.downgrade.notice_days)} days ahead</dd>
      <dt>Last changed</dt><dd>${fmtDate(program.updated_at)}</dd>
    </dl>`}
    <p class="hint">Changed through the API: <code>PUT /settings/tiers</code>.</p>
  </section>`;
}

// GET /settings/points, read-only here (PUT /settings/points changes it).
function PointsPolicy({ api }) {
  const { data, error, loading } = useApi(api, ["/settings/points"], []);
  const policy = data && data[0];
  return html`<section class="card" aria-labelledby="points-policy" aria-busy=${loading ? "true" : "false"}>
    <h2 id="points-policy">Points policy</h2>
    <${Loading} when=${loading} what="the points policy" />
    <${ErrorBox} error=${error} />
    ${policy && html`<dl class="props">
      <dt>Points expire</dt><dd data-testid="expire-after-days">${policy.expire_after_days === null ? "never" : `${fmtNumber(policy.expire_after_days)} days after the event`}</dd>
      <dt>Points become spendable</dt><dd data-testid="pending-days">${policy.pending_days ? `${fmtNumber(policy.pending_days)} days after the event` : "at once"}</dd>
      <dt>Returns</dt><dd data-testid="return-policy">${RETURN_POLICIES[policy.return_policy] || policy.return_policy}</dd>
      <dt>Earning caps' days</dt><dd data-testid="policy-time-zone">${policy.time_zone}</dd>
      <dt>Last changed</dt><dd data-testid="policy-updated">${policy.updated_at ? fmtDate(policy.updated_at) : "never: the defaults apply"}</dd>
    </dl>
    <p class="hint">Changed through the API: <code>PUT /settings/points</code>.</p>`}
  </section>`;
}

function Settings({ api, credentials }) {
  const apiUrl = location.origin + API_BASE;
  return html`<section class="card" aria-labelledby="settings-title">
    <h2 id="settings-title">Application</h2>
    <dl class="props">
      <dt>Application id</dt><dd data-testid="app-id">${credentials.app_id}</dd>
      <dt>API key</dt><dd data-testid="api-key">${credentials.api_key}</dd>
      <dt>Secret key</dt><dd>Never shown again: it was printed once when the application was created (<code>rewards create-app</code>).</dd>
      <dt>API base URL</dt><dd data-testid="api-base-url">${apiUrl}</dd>
      <dt>OpenAPI</dt><dd>${apiUrl}/openapi.json (local runner)</dd>
    </dl>
    <h3>Try it</h3>
    <pre class="secret">curl -u ${credentials.api_key}:$SECRET_KEY ${apiUrl}/campaigns</pre>
  </section>
  <${PointsPolicy} api=${api} />
  <${TierProgramCard} api=${api} />`;
}

function Unavailable({ what }) {
  return html`<section class="card"><p>${what} are not available on this deployment yet.</p></section>`;
}

// ------------------------------------------------------------------------------------------ the shell

const VIEWS = {
  overview: Overview,
  campaigns: Campaigns,
  customers: Customers,
  rewards: Rewards,
  coupons: Coupons,
  earning: Earning,
  webhooks: Webhooks,
  settings: Settings,
};

function Shell({ credentials, onSignOut }) {
  const route = useRoute();
  const api = useCallback((method, path, body) => request(credentials, method, path, body), [credentials]);
  const title = PAGES.find(([id]) => id === route.page)[1];
  useEffect(() => {
    document.title = `${title} · Rewards engine dashboard`;
  }, [title]);
  const View = VIEWS[route.page];
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <span class="brand">Rewards engine</span>
      <nav aria-label="Dashboard"><ul>
        ${PAGES.map(([id, label]) => html`<li><a href=${`#/${id}`} aria-current=${route.page === id ? "page" : undefined}>${label}</a></li>`)}
      </ul></nav>
      <button type="button" onClick=${onSignOut}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">
      <h1>${title}</h1>
      <${View} api=${api} arg=${route.arg} credentials=${credentials} key=${route.page} />
    </main>`;
}

function App() {
  const [credentials, setCredentials] = useState(loadCredentials());
  const signIn = (value) => {
    sessionStorage.setItem(CREDENTIALS, JSON.stringify(value));
    setCredentials(value);
  };
  const signOut = () => {
    sessionStorage.removeItem(CREDENTIALS);
    setCredentials(null);
  };
  return credentials ? html`<${Shell} credentials=${credentials} onSignOut=${signOut} />` : html`<${SignIn} onSignedIn=${signIn} />`;
}

const root = document.getElementById("app");
root.replaceChildren(); // the "Loading…" placeholder of index.html
render(html`<${App} />`, root);
