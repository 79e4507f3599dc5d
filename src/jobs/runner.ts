/**
 * The one job runner. Every kind of work runs here: the runner claims the job's lock through the store,
 * renews the leases of all its jobs in one statement every second (a renewal lasts two thirds of
 * `jobLeaseSeconds`), notices cancellation requested from any node, marks the jobs of a dead or silent
 * node FAILED (`<kind>.node.lost`, checked every sixth of the lease), takes queued work when it has a
 * free slot, writes progress at most once a second, and on shutdown ends its jobs CANCELLED.
 */
import { cancelled, isCancelled, isSluiceError, jobMessage, SluiceError } from "../core/errors.js";
import {
  isRunning,
  RUNNING_STATUSES,
  type Job,
  type JobMessage,
  type JobProgress,
  type JobStatus,
  type JobTrigger,
  type NewJob,
} from "../core/job.js";
import type { Logger } from "../logger.js";
import type { Site, Store } from "../store/port.js";
import type { AnyJobKind, JobContext, StopReason } from "./kind.js";
import { newInstanceId, processAlive } from "./process-identity.js";

export interface RunnerConfig {
  nodeId: string;
  jobLeaseSeconds: number;
  /** Queued jobs this node runs at once. */
  concurrency: number;
  /** How often an idle node looks for queued work, in ms. */
  pollMs: number;
}

export interface RunnerDeps {
  store: Store;
  config: RunnerConfig;
  logger: Logger;
  now?: () => number;
}

export interface JobRequest<P> {
  siteId: number | null;
  params: P;
  trigger: JobTrigger;
  scheduleId?: number | null;
  warnings?: JobMessage[];
}

export type StartOutcome = { outcome: "started"; job: Job } | { outcome: "busy"; job: Job };

interface LocalJob {
  job: Job;
  kind: AnyJobKind;
  controller: AbortController;
  reason: StopReason | null;
  progress: JobProgress | null;
  /** The progress was reported since it was last written. */
  dirty: boolean;
  /** Taken from the queue (counts against `concurrency`). */
  queued: boolean;
  done: Promise<void>;
}

export class JobRunner {
  readonly nodeId: string;
  readonly instanceId: string;
  private readonly kinds = new Map<string, AnyJobKind>();
  private readonly local = new Map<number, LocalJob>();
  private readonly now: () => number;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Renews leases every second while this process runs a job (whether or not `startLoops` ran). */
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private dispatching: Promise<number> | undefined;
  private stopped = false;
  private readonly endListeners: ((job: Job) => void)[] = [];

  constructor(private readonly deps: RunnerDeps) {
    this.now = deps.now ?? Date.now;
    this.nodeId = deps.config.nodeId;
    this.instanceId = newInstanceId(deps.config.nodeId);
  }

  register(kind: AnyJobKind): this {
    this.kinds.set(kind.name, kind);
    return this;
  }

  kind(name: string): AnyJobKind {
    const kind = this.kinds.get(name);
    if (!kind) throw new SluiceError("sluice.job.kind.unknown", `No job kind '${name.slice(0, 40)}'; known: ${[...this.kinds.keys()].join(", ")}.`);
    return kind;
  }

  get kindNames(): string[] {
    return [...this.kinds.keys()];
  }

  /** How long a renewal keeps a job alive: two thirds of `jobLeaseSeconds`. */
  private get leaseMs(): number {
    return Math.floor((this.deps.config.jobLeaseSeconds * 1000 * 2) / 3);
  }

  private get checkEveryMs(): number {
    return Math.max(500, Math.floor((this.deps.config.jobLeaseSeconds * 1000) / 6));
  }

  private newJob<P>(kind: AnyJobKind, request: JobRequest<P>, status: JobStatus, owned: boolean): NewJob {
    const now = this.now();
    return {
      siteId: request.siteId,
      kind: kind.name,
      status,
      trigger: request.trigger,
      lockKey: kind.lockKey(request.siteId, request.params),
      params: request.params as Record<string, unknown>,
      result: null,
      progress: null,
      warnings: request.warnings ?? [],
      errors: [],
      nodeId: owned ? this.nodeId : "",
      instanceId: owned ? this.instanceId : "",
      pid: owned ? process.pid : 0,
      createdAt: now,
      startTime: now,
      completedTime: null,
      cancelledTime: null,
      leaseExpiresAt: owned ? now + this.leaseMs : 0,
      notBefore: 0,
      scheduleId: request.scheduleId ?? null,
      parentId: null,
    };
  }

  /** Starts a job on this node now; `busy` with the holder when its lock is held. */
  async start<P>(kindName: string, request: JobRequest<P>): Promise<StartOutcome> {
    const kind = this.kind(kindName);
    await this.recoverLost();
    const created = await this.deps.store.jobs.create(this.newJob(kind, request, "STARTED", true));
    if (!created.ok) return { outcome: "busy", job: created.running };
    this.launch(kind, created.job, false);
    return { outcome: "started", job: created.job };
  }

  /** Records a job that ends before it starts (refused by validation, or busy). */
  async record<P>(kindName: string, request: JobRequest<P>, status: "FAILED" | "CANCELLED", errors: JobMessage[], result: unknown = null): Promise<Job> {
    const kind = this.kind(kindName);
    const job = { ...this.newJob(kind, request, status, true), errors, result: result as Job["result"], completedTime: this.now() };
    const created = await this.deps.store.jobs.create(job);
    if (!created.ok) throw new Error("a finished job never claims a lock");
    return created.job;
  }

  /**
   * Queues a job for whichever node has a free slot. With `coalesce`, a job of the same lock already
   * queued or running is returned instead of a new one (a schedule firing while its last run goes on).
   */
  async enqueue<P>(kindName: string, request: JobRequest<P>, options: { coalesce?: boolean; notBefore?: number } = {}): Promise<{ job: Job; created: boolean }> {
    const kind = this.kind(kindName);
    const job = { ...this.newJob(kind, request, "QUEUED", false), notBefore: options.notBefore ?? 0 };
    if (options.coalesce && job.lockKey !== null) {
      const active = await this.deps.store.jobs.active(job.lockKey);
      if (active) return { job: active, created: false };
    }
    const created = await this.deps.store.jobs.create(job);
    if (!created.ok) throw new Error("a queued job never claims a lock");
    return { job: created.job, created: true };
  }

  /** Takes queued jobs while this node has free slots; returns how many it started. */
  async dispatch(): Promise<number> {
    if (this.stopped) return 0;
    // One dispatch at a time per runner (a tick and a finishing job may ask together).
    this.dispatching ??= this.takeQueued().finally(() => (this.dispatching = undefined));
    return this.dispatching;
  }

  private async takeQueued(): Promise<number> {
    let started = 0;
    while (!this.stopped && this.queuedRunning() < this.deps.config.concurrency) {
      const now = this.now();
      const job = await this.deps.store.jobs.claimQueued(this.kindNames, {
        nodeId: this.nodeId,
        instanceId: this.instanceId,
        pid: process.pid,
        now,
        leaseExpiresAt: now + this.leaseMs,
      });
      if (!job) break;
      this.launch(this.kind(job.kind), job, true);
      started++;
    }
    return started;
  }

  private queuedRunning(): number {
    return [...this.local.values()].filter((l) => l.queued).length;
  }

  /** Asks a job to stop: a queued one is CANCELLED at once, a running one stops within seconds. */
  async cancel(id: number): Promise<Job | undefined> {
    const now = this.now();
    const { jobs } = this.deps.store;
    if (!(await jobs.transition(id, ["STARTED"], { status: "CANCELLATION_REQUESTED", completedTime: now }))) {
      await jobs.transition(id, ["QUEUED"], { status: "CANCELLED", completedTime: now, cancelledTime: now });
    }
    this.stopLocal(id, "cancel");
    return jobs.get(id);
  }

  private stopLocal(id: number, reason: StopReason): void {
    const local = this.local.get(id);
    if (!local) return;
    local.reason ??= reason;
    local.controller.abort(cancelled(local.kind.noun));
  }

  /** Marks jobs whose node is gone (a dead process here, or a lapsed lease) FAILED so that new ones can start. */
  async recoverLost(): Promise<Job[]> {
    const lost: Job[] = [];
    const now = this.now();
    for (const job of await this.deps.store.jobs.running()) {
      if (job.instanceId === this.instanceId) continue;
      const deadHere = job.nodeId === this.nodeId && !processAlive(job.pid, job.instanceId, this.instanceId);
      if (!deadHere && job.leaseExpiresAt > now) continue;
      const noun = this.kinds.get(job.kind)?.noun ?? `the ${job.kind}`;
      const message = jobMessage(
        `Node ${job.nodeId} stopped renewing ${noun}'s lease (it crashed or lost the database); the job was marked failed so a new ${noun.replace(/^the /, "")} can start.`,
      );
      const ok = await this.deps.store.jobs.transition(job.id, RUNNING_STATUSES, {
        status: "FAILED",
        completedTime: now,
        progress: null,
        errors: [...job.errors, { key: `${job.kind}.node.lost`, message }],
      });
      if (ok) {
        lost.push(job);
        this.deps.logger.warn({ site: job.siteId, kind: job.kind, jobId: job.seq, node: job.nodeId }, `${job.kind} job lost its node: marked FAILED`);
      }
    }
    return lost;
  }

  private every(ms: number, fn: () => Promise<unknown>, what: string): NodeJS.Timeout {
    const timer = setInterval(() => {
      fn().catch((error: unknown) => this.deps.logger.error({ err: error }, `${what} failed`));
    }, ms);
    timer.unref();
    return timer;
  }

  /** A server's loops: the lease monitor (other nodes' lost jobs) and the queue poll. */
  startLoops(): void {
    this.timers.push(this.every(this.checkEveryMs, () => this.recoverLost(), "lease check"));
    this.timers.push(this.every(this.deps.config.pollMs, () => this.dispatch(), "queue poll"));
  }

  /** Calls `listener` with each job that ends on this node, however it ends (what it touched may have changed). */
  onJobEnd(listener: (job: Job) => void): void {
    this.endListeners.push(listener);
  }

  /** Renews every local job's lease, writes fresh progress, and stops jobs cancelled or lost elsewhere. */
  async heartbeat(): Promise<void> {
    if (this.local.size === 0) return;
    const held = new Map((await this.deps.store.jobs.renew(this.instanceId, this.now() + this.leaseMs)).map((r) => [r.id, r.status]));
    for (const [id, local] of this.local) {
      const status = held.get(id);
      if (status === undefined) {
        // Not running under this instance any more: it just finished here, or another node marked it lost.
        const now = await this.deps.store.jobs.get(id);
        if (!local.controller.signal.aborted && (!now || !isRunning(now.status))) this.stopLocal(id, "lost");
        continue;
      }
      if (status === "CANCELLATION_REQUESTED") this.stopLocal(id, "cancel");
      if (local.dirty) {
        local.dirty = false;
        await this.deps.store.jobs.update(id, this.instanceId, { progress: local.progress });
      }
    }
  }

  private launch(kind: AnyJobKind, job: Job, queued: boolean): void {
    const controller = new AbortController();
    const local: LocalJob = { job, kind, controller, reason: null, progress: null, dirty: false, queued, done: Promise.resolve() };
    this.local.set(job.id, local);
    this.heartbeatTimer ??= this.every(1000, () => this.heartbeat(), "lease renewal");
    local.done = this.execute(local).finally(() => {
      this.local.delete(job.id);
      for (const listener of this.endListeners) {
        try {
          listener(job);
        } catch (error) {
          this.deps.logger.warn({ err: error, jobId: job.id }, "a job-end listener failed");
        }
      }
      if (this.local.size === 0 && this.heartbeatTimer) {
        clearInterval(this.heartbeatTimer);
        this.heartbeatTimer = undefined;
      }
      if (queued && !this.stopped) void this.dispatch().catch(() => undefined);
    });
  }

  private async execute(local: LocalJob): Promise<void> {
    const { job, kind } = local;
    const { store } = this.deps;
    const site: Site | undefined = job.siteId === null ? undefined : await store.sites.byId(job.siteId);
    const log = this.deps.logger.child({ site: site?.key ?? job.siteId, kind: job.kind, jobId: job.seq, node: this.nodeId });
    const started = this.now();
    const ctx: JobContext = {
      job,
      site,
      signal: local.controller.signal,
      logger: log,
      progress: (p) => {
        local.progress = p;
        local.dirty = true;
      },
      get stopReason() {
        return local.reason;
      },
    };
    try {
      if (job.siteId !== null && !site) throw new SluiceError("sluice.site.not.found", `Site ${job.siteId} of ${kind.noun} no longer exists.`);
      const outcome = await kind.run(ctx);
      if (local.controller.signal.aborted) throw cancelled(kind.noun);
      const finished = await store.jobs.update(job.id, this.instanceId, {
        status: "COMPLETED",
        completedTime: this.now(),
        result: outcome.result as Job["result"],
        progress: null,
        warnings: [...job.warnings, ...(outcome.warnings ?? [])],
      });
      if (!finished) {
        // Another node took the job while this one was paused past its lease: it stays FAILED.
        log.warn({ outcome: "LOST", durationMs: this.now() - started }, `${job.kind} finished after its lease lapsed: the job stays FAILED`);
        return;
      }
      log.info({ outcome: "COMPLETED", durationMs: this.now() - started, ...outcome.summary }, `${job.kind} finished`);
    } catch (error) {
      const now = this.now();
      const result = (kind.partialResult?.(job, local.progress) ?? null) as Job["result"];
      if (local.reason === "lost") {
        log.warn({ outcome: "LOST", durationMs: now - started }, `${job.kind} stopped: another node marked it lost`);
      } else if (isCancelled(error) || local.controller.signal.aborted) {
        await store.jobs.transition(job.id, RUNNING_STATUSES, { status: "CANCELLED", completedTime: now, cancelledTime: now, progress: null, result });
        log.info({ outcome: "CANCELLED", reason: local.reason, durationMs: now - started }, `${job.kind} finished`);
      } else {
        const message = kind.failure?.(error) ?? defaultFailure(kind, error);
        await store.jobs.transition(job.id, RUNNING_STATUSES, {
          status: "FAILED",
          completedTime: now,
          progress: null,
          result,
          errors: [...job.errors, { key: message.key, message: jobMessage(message.message) }],
        });
        log.error({ outcome: "FAILED", err: error, durationMs: now - started }, `${job.kind} finished`);
      }
    }
  }

  /** The job with the freshest progress: a job running here knows more than the store. */
  live<J extends Job>(job: J): J {
    const local = this.local.get(job.id);
    return local?.progress && isRunning(job.status) ? { ...job, progress: local.progress } : job;
  }

  /** The progress a job running here reported last (fresher than the store's). */
  liveProgress(id: number): JobProgress | null {
    return this.local.get(id)?.progress ?? null;
  }

  /** Waits for a job running in this process (CLI commands, tests). */
  async waitFor(id: number): Promise<void> {
    await this.local.get(id)?.done;
  }

  isLocal(id: number): boolean {
    return this.local.has(id);
  }

  /** Graceful shutdown: every job running here ends CANCELLED (queued ones stay for another node). */
  async shutdown(graceMs: number): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    const jobs = [...this.local.values()];
    for (const local of jobs) {
      local.reason = "shutdown";
      local.controller.abort(cancelled(local.kind.noun));
    }
    await Promise.race([Promise.allSettled(jobs.map((j) => j.done)), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  }
}

function defaultFailure(kind: AnyJobKind, error: unknown): JobMessage {
  if (isSluiceError(error)) return { key: error.code, message: error.message };
  return { key: `${kind.name}.failed`, message: `${kind.noun.replace(/^./, (c) => c.toUpperCase())} failed: ${(error as Error).message}` };
}
