package dev.protostar.worker.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

import dev.protostar.contract.queue.JobEvents;

/**
 * Takes jobs from the queue and runs them, at most {@code protostar.queue.concurrency}
 * at a time.
 *
 * <p>
 * Threads: one dispatcher claims as many jobs as there are free slots (one script call)
 * and waits for work when there is none; a pool of {@code concurrency} threads runs
 * handlers; one completer records the jobs whose handler returned, every job that
 * finished since its last call in one script call with their {@code completed} events,
 * and claims jobs for the slots so freed in the same round trip (a job's slot is free
 * once its completion is recorded); a timer renews the leases of
 * running jobs every {@code heartbeat} and, every {@code pollInterval}, promotes due
 * retries and takes over jobs whose lease expired.
 * Redis errors (a restart, a network blip) are logged and retried with a growing pause:
 * the loop never dies. Each command borrows a pooled Jedis connection; one that broke
 * is dropped and the next command opens a new one, and idle connections a Redis restart
 * left dead are tested and dropped within a second
 * ({@code spring.data.redis.jedis.pool.time-between-eviction-runs}).
 *
 * <p>
 * Shutdown ({@link #stop(Runnable)}): stop claiming, let running jobs finish within
 * {@code shutdownTimeout}, then hand the unfinished ones back to the queue (their
 * attempt not counted) so another worker takes them at once instead of after their
 * lease expires, and interrupt their handlers.
 */
public class JobWorker implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(JobWorker.class);

	private static final int MAX_ERROR_LENGTH = 2000;

	private static final Duration MAX_ERROR_PAUSE = Duration.ofSeconds(5);

	private final JobQueue queue;

	private final JobEvents events;

	private final QueueMetrics metrics;

	private final QueueProperties properties;

	private final Map<String, JobHandler> handlers = new LinkedHashMap<>();

	private final Backoff backoff;

	private final Semaphore slots;

	/** Jobs claimed and not yet completed or failed: running, or waiting for the completer. */
	private final Map<String, Job> inFlight = new ConcurrentHashMap<>();

	/** Jobs whose handler returned, for the completer. */
	private final LinkedBlockingQueue<Finished> finished = new LinkedBlockingQueue<>();

	private volatile boolean completing;

	private Thread completer;

	private volatile boolean running;

	private volatile boolean accepting;

	private volatile long loopAliveAt;

	private Thread dispatcher;

	private ExecutorService executor;

	private ScheduledExecutorService timer;

	public JobWorker(JobQueue queue, JobEvents events, QueueMetrics metrics, Collection<JobHandler> handlers) {
		this.queue = queue;
		this.events = events;
		this.metrics = metrics;
		this.properties = queue.properties();
		for (JobHandler handler : handlers) {
			JobHandler previous = this.handlers.put(handler.type(), handler);
			if (previous != null) {
				throw new IllegalStateException("two handlers for job type '" + handler.type() + "': "
						+ previous.getClass().getName() + " and " + handler.getClass().getName());
			}
		}
		this.backoff = new Backoff(this.properties.backoffBase(), this.properties.backoffMax(),
				this.properties.backoffJitter());
		this.slots = new Semaphore(this.properties.concurrency());
	}

	public String workerId() {
		return this.properties.workerId();
	}

	public int concurrency() {
		return this.properties.concurrency();
	}

	public int inFlight() {
		return this.inFlight.size();
	}

	/** True while the dispatcher loop runs and went round recently. */
	public boolean loopAlive() {
		long staleAfter = Math.max(this.properties.pollInterval().toMillis() * 5, 30_000);
		return this.accepting && System.currentTimeMillis() - this.loopAliveAt < staleAfter;
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		AtomicInteger n = new AtomicInteger();
		this.executor = Executors.newFixedThreadPool(this.properties.concurrency(),
				(r) -> new Thread(r, "job-" + n.incrementAndGet()));
		this.timer = Executors.newSingleThreadScheduledExecutor((r) -> {
			Thread thread = new Thread(r, "queue-timer");
			thread.setDaemon(true);
			return thread;
		});
		long heartbeat = this.properties.heartbeat().toMillis();
		this.timer.scheduleWithFixedDelay(this::heartbeat, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
		long poll = this.properties.pollInterval().toMillis();
		this.timer.scheduleWithFixedDelay(this::maintain, 0, poll, TimeUnit.MILLISECONDS);
		this.accepting = true;
		this.running = true;
		this.loopAliveAt = System.currentTimeMillis();
		this.completing = true;
		this.completer = new Thread(this::completeLoop, "queue-completer");
		this.completer.start();
		this.dispatcher = new Thread(this::dispatchLoop, "queue-dispatcher");
		this.dispatcher.start();
		log.info("Job worker {} started: types {} (in this priority), concurrency {}, handlers for {}", workerId(),
				this.properties.types(), concurrency(), this.handlers.keySet());
	}

	@Override
	public void stop() {
		long deadline = System.nanoTime() + this.properties.shutdownTimeout().toNanos();
		synchronized (this) {
			if (!this.running) {
				return;
			}
			this.accepting = false;
		}
		log.info("Job worker {} stopping: no new jobs, {} running get up to {}", workerId(), this.inFlight.size(),
				this.properties.shutdownTimeout());
		try {
			// The dispatcher ends after its current claim or wait (at most pollInterval).
			// It is interrupted only when Redis keeps it longer (a claim's reply lost
			// then is recovered when the lease expires).
			this.dispatcher.join(Math.max(1, Math.min(remainingMillis(deadline),
					this.properties.pollInterval().toMillis() + 2000)));
			this.dispatcher.interrupt();
			this.executor.shutdown();
			boolean allReturned = this.executor.awaitTermination(remainingMillis(deadline), TimeUnit.MILLISECONDS);
			// The jobs that finished are recorded before anything is handed back.
			stopCompleter();
			if (!allReturned) {
				List<Job> unfinished = new ArrayList<>(this.inFlight.values());
				int released = retrying("release", () -> this.queue.release(unfinished));
				log.warn("Job worker {}: {} jobs did not finish within {}; handed {} back to the queue: {}",
						workerId(), unfinished.size(), this.properties.shutdownTimeout(), released,
						unfinished.stream().map(Job::id).toList());
				this.executor.shutdownNow();
				this.executor.awaitTermination(1, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (RuntimeException ex) {
			log.warn("Job worker {}: could not hand unfinished jobs back ({}); they are taken over when their"
					+ " lease expires", workerId(), ex.toString());
			this.executor.shutdownNow();
		}
		finally {
			this.completing = false;
			this.timer.shutdownNow();
			this.queue.close();
			this.running = false;
			log.info("Job worker {} stopped", workerId());
		}
	}

	@Override
	public void stop(Runnable callback) {
		Thread thread = new Thread(() -> {
			try {
				stop();
			}
			finally {
				callback.run();
			}
		}, "queue-shutdown");
		thread.start();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** Before the Redis connection factory (phase 0), after the web server. */
	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 2048;
	}

	private void dispatchLoop() {
		long pauseMs = 100;
		Duration poll = this.properties.pollInterval();
		while (this.accepting) {
			this.loopAliveAt = System.currentTimeMillis();
			try {
				if (!this.slots.tryAcquire(poll.toMillis(), TimeUnit.MILLISECONDS)) {
					continue; // every slot busy
				}
				int free = 1 + this.slots.drainPermits();
				List<Job> jobs;
				try {
					jobs = this.queue.claim(workerId(), free);
				}
				catch (RuntimeException ex) {
					this.slots.release(free);
					throw ex;
				}
				start(jobs, free);
				// Fewer jobs than slots: the lists were empty a moment ago. Every way into them
				// (enqueue, release, a due retry, a recovery) pushes a wake-up token, so
				// waiting now misses nothing and saves a claim that would find nothing.
				if (jobs.size() < free) {
					this.queue.awaitWork(poll);
				}
				pauseMs = 100;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (RuntimeException ex) {
				log.warn("Job worker {}: queue unavailable ({}); trying again in {} ms", workerId(), ex.toString(),
						pauseMs);
				sleep(pauseMs);
				pauseMs = Math.min(pauseMs * 2, MAX_ERROR_PAUSE.toMillis());
			}
		}
	}

	/**
	 * Runs jobs just claimed, each on one of the {@code permits} slots the caller holds
	 * for them, and gives back the slots none took.
	 */
	private void start(List<Job> jobs, int permits) {
		this.slots.release(permits - jobs.size());
		for (Job job : jobs) {
			this.inFlight.put(job.id(), job);
			try {
				this.executor.execute(() -> run(job));
			}
			catch (RejectedExecutionException ex) { // stop() gave up waiting for the claim
				this.inFlight.remove(job.id());
				this.slots.release();
				this.queue.release(List.of(job));
			}
		}
	}

	private void run(Job job) {
		long started = System.nanoTime();
		String outcome = "lost";
		JobContext context = new JobContext(job, this.events);
		// Every line up to the finally carries the job's ids, the outcome's (catch blocks) too.
		JobLogIds.put(job);
		try {
			JobHandler handler = this.handlers.get(job.type());
			if (handler == null) {
				throw new NonRetryableJobException("no handler for job type '" + job.type()
						+ "' in this worker (it has handlers for " + this.handlers.keySet() + ")");
			}
			handler.handle(job, context);
			// The completer records it, frees its slot and times it.
			this.finished.add(new Finished(context, started));
			outcome = null;
		}
		catch (NonRetryableJobException ex) {
			outcome = failed(context, ex, false);
		}
		catch (Exception ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			outcome = failed(context, ex, true);
		}
		catch (Error ex) {
			// E.g. ExceptionInInitializerError from a native library loaded lazily by the
			// handler: without this the thread died silently and the job sat active until
			// its lease ran out. Recorded for a retry; a VirtualMachineError (out of
			// memory) still ends the thread, as the JVM's own state is in doubt.
			outcome = failed(context, ex, true);
			if (ex instanceof VirtualMachineError) {
				throw ex;
			}
		}
		finally {
			JobLogIds.clear();
			if (outcome != null) {
				done(job, outcome, started);
			}
		}
	}

	/** A job whose handler returned, waiting for its completion to be recorded. */
	private record Finished(JobContext context, long startedNanos) {
	}

	/**
	 * The completer: records completions in batches, every job that finished while the
	 * previous call ran in the next one (group commit). One job alone waits for no other;
	 * under load one round trip serves up to {@code concurrency} jobs. Runs until stop()
	 * has seen the handlers return, then records what is left.
	 */
	private void completeLoop() {
		List<Finished> batch = new ArrayList<>();
		while (this.completing || !this.finished.isEmpty()) {
			try {
				Finished first = this.finished.poll(100, TimeUnit.MILLISECONDS);
				if (first == null) {
					continue;
				}
				batch.add(first);
				this.finished.drainTo(batch);
				complete(batch);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (RuntimeException ex) {
				log.error("Job worker {}: completing {} jobs failed", workerId(), batch.size(), ex);
			}
			finally {
				batch.clear();
			}
		}
	}

	/**
	 * Records the batch and, in the same round trip, claims jobs for the slots it frees
	 * and any other free one (BullMQ's saving: the next job comes with the completion of
	 * the last). The finished jobs' slots pass straight to the jobs claimed.
	 */
	private void complete(List<Finished> batch) {
		List<JobQueue.Completion> completions = new ArrayList<>(batch.size());
		for (Finished one : batch) {
			completions.add(new JobQueue.Completion(one.context().job(), completedEvent(one.context())));
		}
		int permits = batch.size() + (this.accepting ? this.slots.drainPermits() : 0);
		List<Boolean> recorded = null;
		List<Job> claimed = List.of();
		try {
			JobQueue.Turnover turnover = this.queue.completeAndClaim(completions, workerId(),
					this.accepting ? permits : 0);
			recorded = turnover.recorded();
			claimed = turnover.claimed();
		}
		catch (RuntimeException ex) {
			// Again without a claim: a claim whose reply was lost holds its jobs until their
			// lease expires, and one is enough.
			try {
				recorded = retrying("complete", () -> this.queue.complete(completions));
			}
			catch (RuntimeException redisDown) {
				log.warn("Job worker {}: {} finished jobs could not be recorded as completed ({}); they run again"
						+ " once their lease expires: {}", workerId(), batch.size(), redisDown.toString(),
						batch.stream().map((one) -> one.context().job().id()).toList());
			}
		}
		try {
			for (int i = 0; i < batch.size(); i++) {
				Job job = batch.get(i).context().job();
				String outcome = "lost";
				if (recorded != null && recorded.get(i)) {
					this.metrics.completed(job.type());
					outcome = "completed";
				}
				else if (recorded != null) {
					JobLogIds.put(job);
					log.warn("Job {} ({}) finished on worker {}, but its lease had been taken over: result ignored",
							job.id(), job.type(), workerId());
					JobLogIds.clear();
				}
				finish(job, outcome, batch.get(i).startedNanos());
			}
		}
		finally {
			// Whatever happened above, no slot may be lost.
			start(claimed, permits);
		}
	}

	/** The {@code completed} event; when it cannot be written the job completes without it. */
	private JobEvents.Addressed completedEvent(JobContext context) {
		try {
			return context.completedEvent(Map.of("attempt", context.job().attempt()));
		}
		catch (RuntimeException ex) {
			log.warn("Job {}: could not publish the 'completed' event: {}", context.job().id(), ex.toString());
			return null;
		}
	}

	/** The job is no longer this worker's: its slot is free. */
	private void done(Job job, String outcome, long startedNanos) {
		finish(job, outcome, startedNanos);
		this.slots.release();
	}

	/** The job is no longer this worker's; its slot is the caller's to pass on. */
	private void finish(Job job, String outcome, long startedNanos) {
		this.inFlight.remove(job.id());
		this.metrics.duration(job.type(), outcome, System.nanoTime() - startedNanos);
	}

	/** Lets the completer record what finished, then ends it. */
	private void stopCompleter() throws InterruptedException {
		this.completing = false;
		// Bounded by its retries while Redis is away (a few seconds).
		this.completer.join(TimeUnit.SECONDS.toMillis(10));
	}

	private String failed(JobContext context, Throwable ex, boolean retryable) {
		Job job = context.job();
		String error = describe(ex);
		PublicFailure reported = PublicFailure.of(ex);
		Duration delay = this.backoff.delay(job.attempt(), ThreadLocalRandom.current()::nextDouble);
		JobQueue.FailOutcome outcome;
		try {
			outcome = retrying("fail", () -> this.queue.fail(job, error, retryable, delay));
		}
		catch (RuntimeException redisDown) {
			log.warn("Job {} failed ({}) and the failure could not be recorded ({}); it runs again once its lease"
					+ " expires", job.id(), error, redisDown.toString());
			return "lost";
		}
		switch (outcome) {
			case RETRY -> {
				log.info("Job {} ({}) failed attempt {}/{}, retrying in {} ms: {}", job.id(), job.type(),
						job.attempt(), job.maxAttempts(), delay.toMillis(), error);
				this.metrics.retried(job.type());
				publish(context, "retrying", Map.of("attempt", job.attempt(), "maxAttempts", job.maxAttempts(),
						"delayMs", delay.toMillis(), "resultCode", reported.resultCode(), "message",
						reported.publicMessage()));
				return "retried";
			}
			case DEAD -> {
				log.warn("Job {} ({}) dead-lettered after attempt {}/{} ({}): {}", job.id(), job.type(),
						job.attempt(), job.maxAttempts(), retryable ? "attempts used up" : "not retryable", error);
				this.metrics.deadLettered(job.type(), retryable);
				publish(context, "failed", Map.of("attempt", job.attempt(), "error", error, "resultCode",
						reported.resultCode(), "message", reported.publicMessage()));
				return "dead";
			}
			default -> {
				log.info("Job {} ({}) failed on worker {} after its lease was taken over or released: {}", job.id(),
						job.type(), workerId(), error);
				return "lost";
			}
		}
	}

	/** A lifecycle event; a failure to publish it does not change the job's outcome. */
	private void publish(JobContext context, String event, Map<String, ?> data) {
		try {
			context.event(event, data);
		}
		catch (RuntimeException ex) {
			log.warn("Job {}: could not publish the '{}' event: {}", context.job().id(), event, ex.toString());
		}
	}

	private void heartbeat() {
		if (this.inFlight.isEmpty()) {
			return;
		}
		try {
			for (String id : this.queue.extend(List.copyOf(this.inFlight.values()))) {
				if (this.inFlight.containsKey(id)) {
					log.warn("Job {}: worker {} lost its lease (it expired and another worker took the job over)",
							id, workerId());
				}
			}
		}
		catch (RuntimeException ex) {
			log.warn("Job worker {}: could not renew leases: {}", workerId(), ex.toString());
		}
	}

	private void maintain() {
		try {
			JobQueue.Maintenance done = this.queue.maintain();
			if (done.recovered() > 0 || done.deadLettered() > 0) {
				log.warn("Took over {} jobs whose worker stopped renewing their lease; dead-lettered {} that had no"
						+ " attempts left", done.recovered(), done.deadLettered());
			}
			this.metrics.recovered(done.recovered());
		}
		catch (RuntimeException ex) {
			log.debug("queue maintenance failed: {}", ex.toString());
		}
	}

	/**
	 * Runs a state change, trying again for a few seconds while Redis is unreachable (a
	 * restart): finished work should not have to run again if it can be helped.
	 */
	private <T> T retrying(String what, Supplier<T> call) {
		RuntimeException last = null;
		for (int i = 0; i < 5; i++) {
			try {
				return call.get();
			}
			catch (RuntimeException ex) {
				last = ex;
				log.debug("{} failed, trying again: {}", what, ex.toString());
				sleep(200L << i);
			}
		}
		throw last;
	}

	private static String describe(Throwable ex) {
		String text = ex.getClass().getSimpleName() + ": " + ex.getMessage();
		return (text.length() > MAX_ERROR_LENGTH) ? text.substring(0, MAX_ERROR_LENGTH) : text;
	}

	private static long remainingMillis(long deadlineNanos) {
		return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
