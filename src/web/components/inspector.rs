//! The inspector: every knob of the selected service, load source or link, grouped, with
//! units, the real-world default and its source on hover, and the library presets one click
//! away. Each change is an edit (undoable) that the running simulation takes without a restart.

use crate::model::editor::Edit;
use crate::model::{Action, Inspected, Selection};
use cascade_sim::policy_presets;
use cascade_sim::{
    Arrival, CallMode, ClientSpec, DeliveryLimitCounts, Distribution, Jitter, LinkKind, LinkSpec,
    Overflow, PublishFailure, RetryBudget, ServiceSpec,
};
use yew::prelude::*;

/// A numeric knob: a slider when `slider` is set, a number box always.
struct Knob<'a> {
    label: &'a str,
    unit: &'a str,
    value: f64,
    min: f64,
    max: f64,
    step: f64,
    slider: bool,
    /// The real default and where it comes from.
    hint: &'a str,
    test_id: &'a str,
}

/// What was typed into `input`, which shows `rendered` (the value it was drawn with) again
/// before the change goes to the model: a change the model takes is drawn anew, and one it
/// refuses or clamps to the same value leaves the field showing what holds, not the typing.
fn shown_again(input: &web_sys::HtmlInputElement, rendered: &str) -> String {
    let typed = input.value();
    input.set_value(rendered);
    typed
}

fn knob(knob: Knob<'_>, on_change: Callback<f64>) -> Html {
    let value = if knob.step >= 1.0 {
        format!("{:.0}", knob.value)
    } else {
        format!("{}", knob.value)
    };
    let on_number = {
        let (on_change, shown) = (on_change.clone(), value.clone());
        Callback::from(move |event: Event| {
            let typed = event
                .target_dyn_into::<web_sys::HtmlInputElement>()
                .map(|input| shown_again(&input, &shown));
            if let Some(value) = typed.and_then(|typed| crate::model::words::parse_number(&typed)) {
                on_change.emit(value);
            }
        })
    };
    html! {
        <label class="knob" title={knob.hint.to_string()}>
            <span class="knob-label">{knob.label}<small>{knob.unit}</small></span>
            if knob.slider {
                <input type="range" min={knob.min.to_string()} max={knob.max.to_string()} step={knob.step.to_string()}
                    value={value.clone()} onchange={on_number.clone()} aria-label={knob.label.to_string()} />
            }
            <input type="number" class="knob-number" data-testid={knob.test_id.to_string()}
                min={knob.min.to_string()} max={knob.max.to_string()} step={knob.step.to_string()}
                value={value} onchange={on_number} aria-label={format!("{} in {}", knob.label, knob.unit)} />
        </label>
    }
}

fn choice(label: &str, hint: &str, options: &[(&str, bool)], on_change: Callback<String>) -> Html {
    let onchange = Callback::from(move |event: Event| {
        if let Some(select) = event.target_dyn_into::<web_sys::HtmlSelectElement>() {
            on_change.emit(select.value());
        }
    });
    html! {
        <label class="knob" title={hint.to_string()}>
            <span class="knob-label">{label.to_string()}</span>
            <select {onchange} aria-label={label.to_string()}>
                { for options.iter().map(|(value, selected)| html! {
                    <option value={value.to_string()} selected={*selected}>{value.replace('_', " ")}</option>
                }) }
            </select>
        </label>
    }
}

fn check(label: &str, hint: &str, value: bool, on_change: Callback<bool>) -> Html {
    let onchange = Callback::from(move |event: Event| {
        if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
            on_change.emit(input.checked());
        }
    });
    html! {
        <label class="knob check" title={hint.to_string()}>
            <input type="checkbox" checked={value} {onchange} />
            <span class="knob-label">{label.to_string()}</span>
        </label>
    }
}

/// The inspector's properties.
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// The selected node's or link's knobs.
    pub inspected: Inspected,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The inspector card for the selected node or link.
#[function_component]
pub fn Inspector(props: &InspectorProps) -> Html {
    let dispatch = &props.dispatch;
    if let Inspected::Group(names) = &props.inspected {
        return group_card(names, dispatch);
    }
    let (body, selection) = match &props.inspected {
        Inspected::Service(service) => (
            service_knobs(service, dispatch),
            Selection::Node(service.name.clone()),
        ),
        Inspected::Client(client) => (
            client_knobs(client, dispatch),
            Selection::Node(client.name.clone()),
        ),
        Inspected::Link(index, link) => {
            (link_knobs(*index, link, dispatch), Selection::Link(*index))
        }
        Inspected::Group(_) => return Html::default(),
    };
    html! {
        <section class="card inspector" aria-label="Inspector" data-testid="inspector">
            <div class="log-head">
                <h2>{"Inspector"}</h2>
                <span class="row-buttons-inline">
                    <button class="small danger" data-testid="delete-selected"
                        onclick={dispatch.reform(move |_: MouseEvent| Action::Delete(selection.clone()))} title="Delete (Delete key)">{"Delete"}</button>
                    <button class="small" onclick={dispatch.reform(|_: MouseEvent| Action::Select(None))} title="Close (Escape)">{"Close"}</button>
                </span>
            </div>
            {body}
        </section>
    }
}

/// Several nodes selected together: who, and what can be done to all of them.
fn group_card(names: &[String], dispatch: &Callback<Action>) -> Html {
    let delete = {
        let names = names.to_vec();
        dispatch.reform(move |_: MouseEvent| {
            Action::Edit(Box::new(Edit::DeleteNodes {
                names: names.clone(),
            }))
        })
    };
    html! {
        <section class="card inspector" aria-label="Inspector" data-testid="inspector-group">
            <div class="log-head">
                <h2>{format!("{} selected", names.len())}</h2>
                <span class="row-buttons-inline">
                    <button class="small danger" data-testid="delete-selected" onclick={delete} title="Delete them all (Delete key)">{"Delete"}</button>
                    <button class="small" onclick={dispatch.reform(|_: MouseEvent| Action::Select(None))} title="Close (Escape)">{"Close"}</button>
                </span>
            </div>
            <p>{names.join(", ")}</p>
            <p class="hint">{"Drag one to move them together; k, f, s and e fault them all; Ctrl+C and Ctrl+V copy them with the links between them. Shift+click adds or removes one."}</p>
        </section>
    }
}

fn name_field(name: &str, dispatch: &Callback<Action>) -> Html {
    let from = name.to_string();
    let onchange = dispatch.reform(move |event: Event| {
        let to = event
            .target_dyn_into::<web_sys::HtmlInputElement>()
            .map(|input| shown_again(&input, &from))
            .unwrap_or_default();
        Action::Edit(Box::new(Edit::Rename {
            from: from.clone(),
            to,
        }))
    });
    html! {
        <label class="knob">
            <span class="knob-label">{"Name"}</span>
            <input type="text" class="name-input" data-testid="inspector-name" value={name.to_string()} {onchange} maxlength="60" />
        </label>
    }
}

fn service_knobs(service: &ServiceSpec, dispatch: &Callback<Action>) -> Html {
    let edit = |change: fn(&mut ServiceSpec, f64)| {
        let spec = service.clone();
        dispatch.reform(move |value: f64| {
            let mut spec = spec.clone();
            change(&mut spec, value);
            Action::Edit(Box::new(Edit::SetService(Box::new(spec))))
        })
    };
    let (median, p99) = match service.service_time {
        Distribution::LogNormal { median_ms, p99_ms } => (median_ms, p99_ms),
        Distribution::Exponential { mean_ms } => {
            (mean_ms * core::f64::consts::LN_2, mean_ms * 4.605)
        }
        Distribution::Constant { ms } => (ms, ms),
    };
    let mode = {
        let spec = service.clone();
        dispatch.reform(move |value: String| {
            let mut spec = spec.clone();
            spec.call_mode = if value == "parallel" {
                CallMode::Parallel
            } else {
                CallMode::Sequential
            };
            Action::Edit(Box::new(Edit::SetService(Box::new(spec))))
        })
    };
    html! {
        <>
            <h3>{"Service"}</h3>
            {name_field(&service.name, dispatch)}
            <h3>{"Threads"}</h3>
            {knob(Knob { label: "Worker threads", unit: "", value: service.workers.into(), min: 1.0, max: 200.0, step: 1.0, slider: true,
                hint: "Default 10: Hystrix's thread-pool core size.", test_id: "knob-workers" },
                edit(|spec, value| spec.workers = value.max(1.0) as u32))}
            {knob(Knob { label: "Waiting room", unit: "requests", value: service.queue_capacity.into(), min: 0.0, max: 10_000.0, step: 1.0, slider: false,
                hint: "Default 100: Resilience4j thread-pool bulkhead queue. One more is rejected (503).", test_id: "knob-queue" },
                edit(|spec, value| spec.queue_capacity = value.max(0.0) as u32))}
            <h3>{"Work"}</h3>
            {knob(Knob { label: "Service time, median", unit: "ms", value: median, min: 0.1, max: 10_000.0, step: 0.1, slider: false,
                hint: "Log-normal service time given by its median and 99th percentile.", test_id: "knob-median" },
                {
                    let spec = service.clone();
                    dispatch.reform(move |value: f64| {
                        let mut spec = spec.clone();
                        spec.service_time = Distribution::LogNormal { median_ms: value.max(0.1), p99_ms: p99.max(value.max(0.1)) };
                        Action::Edit(Box::new(Edit::SetService(Box::new(spec))))
                    })
                })}
            {knob(Knob { label: "Service time, p99", unit: "ms", value: p99, min: 0.1, max: 60_000.0, step: 0.1, slider: false,
                hint: "The 99th percentile: the long tail of real services.", test_id: "knob-p99" },
                {
                    let spec = service.clone();
                    dispatch.reform(move |value: f64| {
                        let mut spec = spec.clone();
                        spec.service_time = Distribution::LogNormal { median_ms: median.max(0.1), p99_ms: value.max(median.max(0.1)) };
                        Action::Edit(Box::new(Edit::SetService(Box::new(spec))))
                    })
                })}
            {knob(Knob { label: "Error rate", unit: "0-1", value: service.error_rate, min: 0.0, max: 1.0, step: 0.01, slider: true,
                hint: "Share of requests answered 5xx after the local work. Default 0.", test_id: "knob-error-rate" },
                edit(|spec, value| spec.error_rate = value.clamp(0.0, 1.0)))}
            {knob(Knob { label: "Poison requests", unit: "0-1", value: service.poison_rate, min: 0.0, max: 0.2, step: 0.01, slider: true,
                hint: "Share of requests that fail here every time: poison messages. Default 0.", test_id: "knob-poison" },
                edit(|spec, value| spec.poison_rate = value.clamp(0.0, 1.0)))}
            {knob(Knob { label: "Contention", unit: "ms per request in progress", value: service.contention_per_request_ms, min: 0.0, max: 1_000.0, step: 1.0, slider: false,
                hint: "Work takes this much longer for every request in progress (locks, caches, GC). Brooker's collapse model: 1 s + 10 ms x concurrency. Default 0.", test_id: "knob-contention" },
                edit(|spec, value| spec.contention_per_request_ms = value.clamp(0.0, cascade_sim::scenario::MAX_CONTENTION_PER_REQUEST_MS)))}
            {choice("Downstream calls", "Sequential: in link order. Parallel: all at once.",
                &[("sequential", service.call_mode == CallMode::Sequential), ("parallel", service.call_mode == CallMode::Parallel)], mode)}
        </>
    }
}

fn client_knobs(client: &ClientSpec, dispatch: &Callback<Action>) -> Html {
    let edit = |change: fn(&mut ClientSpec, f64)| {
        let spec = client.clone();
        dispatch.reform(move |value: f64| {
            let mut spec = spec.clone();
            change(&mut spec, value);
            Action::Edit(Box::new(Edit::SetClient(Box::new(spec))))
        })
    };
    let arrival = {
        let spec = client.clone();
        dispatch.reform(move |value: String| {
            let mut spec = spec.clone();
            spec.arrival = if value == "constant" {
                Arrival::Constant
            } else {
                Arrival::Poisson
            };
            Action::Edit(Box::new(Edit::SetClient(Box::new(spec))))
        })
    };
    html! {
        <>
            <h3>{"Load source"}</h3>
            {name_field(&client.name, dispatch)}
            {knob(Knob { label: "Requests per second", unit: "/s", value: client.rate_per_second, min: 0.0, max: 500.0, step: 1.0, slider: true,
                hint: "Open loop: requests keep coming whatever happens to earlier ones (what makes retry storms possible).", test_id: "knob-rate" },
                edit(|spec, value| spec.rate_per_second = value.max(0.0)))}
            {choice("Arrivals", "Poisson: independent users. Constant: evenly spaced.",
                &[("poisson", client.arrival == Arrival::Poisson), ("constant", client.arrival == Arrival::Constant)], arrival)}
            {knob(Knob { label: "Closed-loop users", unit: "", value: client.closed_loop_users.into(), min: 0.0, max: 1_000.0, step: 1.0, slider: false,
                hint: "0 means open loop. Otherwise each user waits for an answer and thinks before the next request.", test_id: "knob-users" },
                edit(|spec, value| spec.closed_loop_users = value.max(0.0) as u32))}
        </>
    }
}

fn link_knobs(index: usize, link: &LinkSpec, dispatch: &Callback<Action>) -> Html {
    let set = |change: fn(&mut LinkSpec, f64)| {
        let spec = link.clone();
        dispatch.reform(move |value: f64| {
            let mut spec = spec.clone();
            change(&mut spec, value);
            Action::Edit(Box::new(Edit::SetLink {
                index,
                spec: Box::new(spec),
            }))
        })
    };
    let set_text = |change: fn(&mut LinkSpec, &str)| {
        let spec = link.clone();
        dispatch.reform(move |value: String| {
            let mut spec = spec.clone();
            change(&mut spec, &value);
            Action::Edit(Box::new(Edit::SetLink {
                index,
                spec: Box::new(spec),
            }))
        })
    };
    let set_flag = |change: fn(&mut LinkSpec, bool)| {
        let spec = link.clone();
        dispatch.reform(move |value: bool| {
            let mut spec = spec.clone();
            change(&mut spec, value);
            Action::Edit(Box::new(Edit::SetLink {
                index,
                spec: Box::new(spec),
            }))
        })
    };
    let optional = |value: Option<f64>| value.unwrap_or(0.0);
    let latency = match link.latency {
        Distribution::Constant { ms } => ms,
        Distribution::Exponential { mean_ms } => mean_ms,
        Distribution::LogNormal { median_ms, .. } => median_ms,
    };
    let sync = &link.sync;
    let policy = &link.async_policy;
    let breaker = &sync.breaker;
    let jitter_name = |jitter: Jitter| match jitter {
        Jitter::None => "none",
        Jitter::Full => "full",
        Jitter::FullThenCap => "full, then cap",
        Jitter::Equal => "equal",
        Jitter::Decorrelated => "decorrelated",
    };
    html! {
        <>
            <h3>{format!("{} → {}", link.from, link.to)}</h3>
            {choice("Kind", "Sync: the caller's thread waits. Async: publish to a queue and move on.",
                &[("sync", link.kind == LinkKind::Sync), ("async", link.kind == LinkKind::Async)],
                set_text(|spec, value| spec.kind = if value == "async" { LinkKind::Async } else { LinkKind::Sync }))}
            {knob(Knob { label: "Network latency", unit: "ms", value: latency, min: 0.0, max: 5_000.0, step: 1.0, slider: false,
                hint: "One way. Presets use 40 ms so calls are visible.", test_id: "knob-latency" },
                set(|spec, value| spec.latency = Distribution::Constant { ms: value.max(0.0) }))}
            <h3>{"Sync: timeout and retries"}</h3>
            <p class="presets">
                { for policy_presets::SYNC.iter().map(|preset| {
                    let spec = link.clone();
                    let build = preset.build;
                    let onclick = dispatch.reform(move |_: MouseEvent| {
                        let mut spec = spec.clone();
                        spec.sync = build();
                        Action::Edit(Box::new(Edit::SetLink { index, spec: Box::new(spec) }))
                    });
                    html! { <button class="small" title={preset.source} data-testid={format!("preset-{}", preset.id)} {onclick}>{preset.name}</button> }
                }) }
            </p>
            {knob(Knob { label: "Timeout", unit: "ms", value: sync.timeout_ms, min: 1.0, max: 60_000.0, step: 1.0, slider: false,
                hint: "Default 1000 ms: Resilience4j TimeLimiter and Hystrix; Polly 30 s.", test_id: "knob-timeout" },
                set(|spec, value| spec.sync.timeout_ms = value.max(1.0)))}
            {knob(Knob { label: "Attempts", unit: "incl. first", value: sync.max_attempts.into(), min: 1.0, max: 10.0, step: 1.0, slider: true,
                hint: "Default 3: Resilience4j maxAttempts (the first call counts). Polly's 3 retries are 4 attempts.", test_id: "knob-attempts" },
                set(|spec, value| spec.sync.max_attempts = value.max(1.0) as u32))}
            {knob(Knob { label: "Backoff", unit: "ms", value: sync.backoff.initial_ms, min: 0.0, max: 30_000.0, step: 10.0, slider: false,
                hint: "Default 500 ms: Resilience4j waitDuration. The caller's thread sleeps through it.", test_id: "knob-backoff" },
                set(|spec, value| spec.sync.backoff.initial_ms = value.max(0.0)))}
            {knob(Knob { label: "Backoff multiplier", unit: "x", value: sync.backoff.multiplier, min: 1.0, max: 10.0, step: 0.1, slider: false,
                hint: "1 is a fixed delay (Resilience4j's default); 2 doubles each time.", test_id: "knob-multiplier" },
                set(|spec, value| spec.sync.backoff.multiplier = value.max(1.0)))}
            {choice("Jitter", "AWS Architecture Blog: none, full, equal or decorrelated jitter. \"Full, then cap\" draws from the uncapped delay and caps the draw, as the AWS SDK for JavaScript v3.",
                &[Jitter::None, Jitter::Full, Jitter::FullThenCap, Jitter::Equal, Jitter::Decorrelated].map(|jitter| (jitter_name(jitter), jitter == sync.backoff.jitter)),
                set_text(|spec, value| spec.sync.backoff.jitter = match value {
                    "full" => Jitter::Full,
                    "full, then cap" => Jitter::FullThenCap,
                    "equal" => Jitter::Equal,
                    "decorrelated" => Jitter::Decorrelated,
                    _ => Jitter::None,
                }))}
            {check("Retry budget (AWS: 500 tokens, 5 per retry, 10 after a timeout)", "AWS SDK standard retry quota.", sync.retry_budget.is_some(),
                set_flag(|spec, on| spec.sync.retry_budget = on.then(RetryBudget::default)))}
            {knob(Knob { label: "Bulkhead", unit: "calls, 0 = none", value: sync.max_concurrent_calls.map_or(0.0, f64::from), min: 0.0, max: 1_000.0, step: 1.0, slider: false,
                hint: "Resilience4j semaphore bulkhead: 25 concurrent calls, no waiting.", test_id: "knob-bulkhead" },
                set(|spec, value| spec.sync.max_concurrent_calls = (value >= 1.0).then_some(value as u32)))}
            <h3>{"Circuit breaker"}</h3>
            {check("Enabled", "Off unless enabled. Defaults are Resilience4j's.", breaker.enabled,
                set_flag(|spec, on| spec.sync.breaker.enabled = on))}
            if breaker.enabled {
                {knob(Knob { label: "Failure rate threshold", unit: "%", value: breaker.failure_rate_threshold, min: 1.0, max: 100.0, step: 1.0, slider: true,
                    hint: "Default 50%: Resilience4j. Hystrix 50%, Polly 10%.", test_id: "knob-breaker-threshold" },
                    set(|spec, value| spec.sync.breaker.failure_rate_threshold = value.clamp(1.0, 100.0)))}
                {knob(Knob { label: "Window", unit: "calls", value: breaker.sliding_window_size.into(), min: 1.0, max: 1_000.0, step: 1.0, slider: false,
                    hint: "Default 100 calls (count-based): Resilience4j.", test_id: "knob-breaker-window" },
                    set(|spec, value| spec.sync.breaker.sliding_window_size = value.max(1.0) as u32))}
                {knob(Knob { label: "Minimum calls", unit: "", value: breaker.minimum_number_of_calls.into(), min: 1.0, max: 1_000.0, step: 1.0, slider: false,
                    hint: "Default 100: Resilience4j, so a low-traffic demo never trips with defaults.", test_id: "knob-breaker-minimum" },
                    set(|spec, value| spec.sync.breaker.minimum_number_of_calls = value.max(1.0) as u32))}
                {knob(Knob { label: "Wait in open", unit: "ms", value: breaker.wait_duration_in_open_ms, min: 1.0, max: 600_000.0, step: 100.0, slider: false,
                    hint: "Default 60 s: Resilience4j. Hystrix 5 s, Polly 5 s.", test_id: "knob-breaker-wait" },
                    set(|spec, value| spec.sync.breaker.wait_duration_in_open_ms = value.max(1.0)))}
                {knob(Knob { label: "Trial calls in half-open", unit: "", value: breaker.permitted_number_of_calls_in_half_open.into(), min: 1.0, max: 100.0, step: 1.0, slider: false,
                    hint: "Default 10: Resilience4j.", test_id: "knob-breaker-trials" },
                    set(|spec, value| spec.sync.breaker.permitted_number_of_calls_in_half_open = value.max(1.0) as u32))}
                {check("Open to half-open automatically", "Resilience4j default: lazily, on the next call.", breaker.automatic_transition_from_open_to_half_open,
                    set_flag(|spec, on| spec.sync.breaker.automatic_transition_from_open_to_half_open = on))}
            }
            <h3>{"Async: queue"}</h3>
            <p class="presets">
                { for policy_presets::ASYNC.iter().map(|preset| {
                    let spec = link.clone();
                    let build = preset.build;
                    let onclick = dispatch.reform(move |_: MouseEvent| {
                        let mut spec = spec.clone();
                        spec.async_policy = cascade_sim::AsyncPolicy { queue: spec.async_policy.queue.clone(), ..build() };
                        Action::Edit(Box::new(Edit::SetLink { index, spec: Box::new(spec) }))
                    });
                    html! { <button class="small" title={preset.source} data-testid={format!("preset-{}", preset.id)} {onclick}>{preset.name}</button> }
                }) }
            </p>
            {knob(Knob { label: "Delivery limit", unit: "", value: policy.delivery_limit.into(), min: policy.min_delivery_limit().into(), max: 1_000.0, step: 1.0, slider: false,
                hint: "Default 20: RabbitMQ quorum queues since 4.0 (0: one delivery). SQS maxReceiveCount 1-1000.", test_id: "knob-delivery-limit" },
                set(|spec, value| spec.async_policy.delivery_limit = value.max(spec.async_policy.min_delivery_limit().into()) as u32))}
            {choice("Delivery limit counts", "RabbitMQ counts redeliveries (limit N: N + 1 deliveries); SQS counts receives (N deliveries).",
                &[("redeliveries", policy.delivery_limit_counts == DeliveryLimitCounts::Redeliveries), ("receives", policy.delivery_limit_counts == DeliveryLimitCounts::Receives)],
                set_text(|spec, value| spec.async_policy.set_delivery_limit_counts(if value == "receives" { DeliveryLimitCounts::Receives } else { DeliveryLimitCounts::Redeliveries })))}
            {knob(Knob { label: "Prefetch", unit: "0 = unlimited", value: policy.prefetch.into(), min: 0.0, max: 1_000.0, step: 1.0, slider: false,
                hint: "Deliveries the broker pushes ahead of the consumer's workers (unacknowledged). Default 250 (Spring AMQP); RabbitMQ recommends 100-300.", test_id: "knob-prefetch" },
                set(|spec, value| spec.async_policy.prefetch = value.max(0.0) as u32))}
            {knob(Knob { label: "Redelivery delay", unit: "ms", value: policy.redelivery_delay_ms, min: 0.0, max: 600_000.0, step: 10.0, slider: false,
                hint: "RabbitMQ requeues at once (0); SQS waits out the visibility timeout.", test_id: "knob-redelivery" },
                set(|spec, value| spec.async_policy.redelivery_delay_ms = value.max(0.0)))}
            {knob(Knob { label: "Visibility timeout", unit: "ms, 0 = none", value: optional(policy.visibility_timeout_ms), min: 0.0, max: 600_000.0, step: 100.0, slider: false,
                hint: "SQS default 30 s: slower consumers cause duplicates.", test_id: "knob-visibility" },
                set(|spec, value| spec.async_policy.visibility_timeout_ms = (value > 0.0).then_some(value)))}
            {knob(Knob { label: "Message TTL", unit: "ms, 0 = none", value: optional(policy.message_ttl_ms), min: 0.0, max: 1e9, step: 100.0, slider: false,
                hint: "Expired messages are dead-lettered at the head of the queue (RabbitMQ).", test_id: "knob-ttl" },
                set(|spec, value| spec.async_policy.message_ttl_ms = (value > 0.0).then_some(value)))}
            {knob(Knob { label: "Max length", unit: "messages, 0 = none", value: policy.max_length.map_or(0.0, f64::from), min: 0.0, max: 1e6, step: 1.0, slider: false,
                hint: "RabbitMQ x-max-length; see overflow.", test_id: "knob-max-length" },
                set(|spec, value| spec.async_policy.max_length = (value >= 1.0).then_some(value as u32)))}
            {choice("Overflow", "RabbitMQ default drop-head: the oldest message is dead-lettered.",
                &[("drop_head", policy.overflow == Overflow::DropHead), ("reject_publish", policy.overflow == Overflow::RejectPublish)],
                set_text(|spec, value| spec.async_policy.overflow = if value == "reject_publish" { Overflow::RejectPublish } else { Overflow::DropHead }))}
            {check("Dead-letter queue", "Without one, dead-lettered messages are dropped.", policy.dead_letter_queue,
                set_flag(|spec, on| spec.async_policy.dead_letter_queue = on))}
            {choice("When a publish fails", "Spring AMQP without a retry template fails the request.",
                &[("fail_request", policy.on_publish_failure == PublishFailure::FailRequest), ("retry", policy.on_publish_failure == PublishFailure::Retry), ("drop", policy.on_publish_failure == PublishFailure::Drop)],
                set_text(|spec, value| spec.async_policy.on_publish_failure = match value {
                    "retry" => PublishFailure::Retry,
                    "drop" => PublishFailure::Drop,
                    _ => PublishFailure::FailRequest,
                }))}
        </>
    }
}
