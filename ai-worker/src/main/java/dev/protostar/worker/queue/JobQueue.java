package dev.protostar.worker.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import dev.protostar.contract.queue.JobEvents;
import dev.protostar.contract.queue.JobProducer;
import dev.protostar.contract.queue.QueueKeys;
import dev.protostar.contract.queue.QueueScripts;
import dev.protostar.contract.redis.BlockingRedis;

/**
 * The worker's side of the queue in Redis: claiming, renewing, completing, failing and
 * recovering jobs, each one of the contract's {@link QueueScripts}, so a job is never in
 * two places or none. The protocol is written down in ai-worker/QUEUE.md.
 */
public class JobQueue implements AutoCloseable {

	private static final int CLAIM_STRIDE = 8;

	private static final int DLQ_STRIDE = 6;

	private static final int BATCH = 500;

	private final StringRedisTemplate redis;

	private final RedisConnectionFactory connectionFactory;

	private final QueueProperties properties;

	private final QueueKeys keys;

	private final JobProducer producer;

	private BlockingRedis waitConnections;

	/**
	 * @param connectionFactory the application's (Jedis); the wait for work gets a
	 * connection of its own with the same settings ({@link #awaitWork})
	 */
	public JobQueue(StringRedisTemplate redis, RedisConnectionFactory connectionFactory,
			QueueProperties properties) {
		this.redis = redis;
		this.connectionFactory = connectionFactory;
		this.properties = properties;
		this.keys = properties.keys();
		this.producer = new JobProducer(redis, this.keys);
	}

	public QueueProperties properties() {
		return this.properties;
	}

	/** Enqueues with the configured number of attempts; see {@link #enqueue(String, String, String, int)}. */
	public boolean enqueue(String id, String type, String payload) {
		return enqueue(id, type, payload, this.properties.maxAttempts());
	}

	/**
	 * Adds a job unless one with this id exists (waiting, running, delayed, dead, or
	 * completed within the retention window).
	 * @return whether it was added
	 */
	public boolean enqueue(String id, String type, String payload, int maxAttempts) {
		return this.producer.enqueue(id, type, payload, maxAttempts);
	}

	/** Claims up to {@code count} waiting jobs, higher-priority types first. */
	public List<Job> claim(String workerId, int count) {
		return jobs(run(QueueScripts.CLAIM, claimArgs(workerId, count)));
	}

	private String[] claimArgs(String workerId, int count) {
		List<String> args = new ArrayList<>(List.of(workerId, Integer.toString(count),
				Long.toString(this.properties.lease().toMillis())));
		args.addAll(this.properties.types());
		return args.toArray(String[]::new);
	}

	private static List<Job> jobs(List<?> flat) {
		List<Job> jobs = new ArrayList<>(flat.size() / CLAIM_STRIDE);
		for (int i = 0; i + CLAIM_STRIDE <= flat.size(); i += CLAIM_STRIDE) {
			jobs.add(new Job(str(flat.get(i)), str(flat.get(i + 1)), str(flat.get(i + 2)),
					Integer.parseInt(str(flat.get(i + 3))), Integer.parseInt(str(flat.get(i + 4))),
					str(flat.get(i + 5)), Long.parseLong(str(flat.get(i + 6))), Long.parseLong(str(flat.get(i + 7)))));
		}
		return jobs;
	}

	/**
	 * Renews the leases of these jobs (the heartbeat).
	 * @return the ids whose lease this worker no longer holds
	 */
	public List<String> extend(Collection<Job> jobs) {
		if (jobs.isEmpty()) {
			return List.of();
		}
		List<String> args = new ArrayList<>(2 + jobs.size() * 2);
		args.add(Long.toString(this.properties.lease().toMillis()));
		for (Job job : jobs) {
			args.add(job.id());
			args.add(job.lease());
		}
		return run(QueueScripts.EXTEND, args.toArray(String[]::new)).stream().map(JobQueue::str).toList();
	}

	/** @return false when the lease was lost (the result is ignored) */
	public boolean complete(Job job) {
		return complete(List.of(new Completion(job, null))).get(0);
	}

	/**
	 * A finished job and its {@code completed} event, or null when it has no user to tell.
	 */
	public record Completion(Job job, JobEvents.Addressed event) {
	}

	/**
	 * Completes these jobs in one script call, each with its {@code completed} event in
	 * the same atomic step: the event is published exactly when the completion is
	 * recorded, and one round trip serves every job that finished meanwhile.
	 * @return for each completion, in order, false when its lease was lost (its result
	 * is ignored and no event published)
	 */
	public List<Boolean> complete(List<Completion> completions) {
		return recorded(run(QueueScripts.COMPLETE, completeArgs(completions)));
	}

	/** What {@link #completeAndClaim} did: each completion's fate, and the jobs claimed. */
	public record Turnover(List<Boolean> recorded, List<Job> claimed) {
	}

	/**
	 * {@link #complete(List)}, then {@link #claim} of up to {@code count} jobs, in one round
	 * trip (a pipeline of the two scripts; each is atomic, the pair need not be: a claim
	 * is right whatever was completed before it). Both are sent with EVAL, not EVALSHA: a
	 * pipeline's replies come too late to fall back from NOSCRIPT after a Redis restart,
	 * and Redis compiles a script's text once and keeps it by its hash.
	 */
	public Turnover completeAndClaim(List<Completion> completions, String workerId, int count) {
		if (count == 0) {
			return new Turnover(complete(completions), List.of());
		}
		byte[][] complete = withPrefix(completeArgs(completions));
		byte[][] claim = withPrefix(claimArgs(workerId, count));
		List<Object> replies = this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			eval(connection, QueueScripts.COMPLETE, complete);
			eval(connection, QueueScripts.CLAIM, claim);
			return null;
		});
		return new Turnover(recorded((List<?>) replies.get(0)), jobs((List<?>) replies.get(1)));
	}

	private String[] completeArgs(List<Completion> completions) {
		List<String> args = new ArrayList<>(3 + completions.size() * 5);
		args.add(Long.toString(this.properties.completedRetention().toMillis()));
		args.add(Integer.toString(this.properties.eventsMaxLen()));
		args.add(Long.toString(this.properties.eventsTtl().toSeconds()));
		for (Completion completion : completions) {
			JobEvents.Addressed event = completion.event();
			args.add(completion.job().id());
			args.add(completion.job().lease());
			args.add((event != null) ? event.stream() : "");
			args.add((event != null) ? event.channel() : "");
			args.add((event != null) ? event.data() : "");
		}
		return args.toArray(String[]::new);
	}

	private static List<Boolean> recorded(List<?> replies) {
		return replies.stream().map((done) -> num(done) == 1).toList();
	}

	private static void eval(RedisConnection connection, RedisScript<?> script, byte[][] args) {
		connection.scriptingCommands().eval(bytes(script.getScriptAsString()), ReturnType.MULTI, 0, args);
	}

	private byte[][] withPrefix(String[] args) {
		byte[][] all = new byte[args.length + 1][];
		all[0] = bytes(this.properties.prefix());
		for (int i = 0; i < args.length; i++) {
			all[i + 1] = bytes(args[i]);
		}
		return all;
	}

	/** What {@link #fail} did with a job. */
	public enum FailOutcome {

		/** The lease was no longer held; nothing changed. */
		LEASE_LOST,
		/** Delayed for a retry. */
		RETRY,
		/** Moved to the dead-letter store. */
		DEAD

	}

	public FailOutcome fail(Job job, String error, boolean retryable, Duration delay) {
		long outcome = run(QueueScripts.FAIL, job.id(), job.lease(), error, retryable ? "1" : "0",
				Long.toString(delay.toMillis()));
		return FailOutcome.values()[(int) outcome];
	}

	/** Hands jobs back to the front of the queue without counting the attempt. */
	public int release(Collection<Job> jobs) {
		if (jobs.isEmpty()) {
			return 0;
		}
		List<String> args = new ArrayList<>(jobs.size() * 2);
		for (Job job : jobs) {
			args.add(job.id());
			args.add(job.lease());
		}
		return run(QueueScripts.RELEASE, args.toArray(String[]::new)).intValue();
	}

	/** What one {@link #maintain()} call did. */
	public record Maintenance(long promoted, long recovered, long deadLettered) {
	}

	/** Promotes due delayed jobs and recovers jobs whose lease expired. */
	public Maintenance maintain() {
		List<?> result = run(QueueScripts.MAINTAIN, Integer.toString(BATCH));
		return new Maintenance(num(result.get(0)), num(result.get(1)), num(result.get(2)));
	}

	/**
	 * Blocks until a producer signals new work or {@code timeout} passes (BLPOP on the
	 * wake-up list). Each enqueue pushes one token, so an idle worker picks a job up
	 * within a round trip, without polling; when several workers wait, one token wakes
	 * one of them. A token can be taken by a worker that then finds nothing (another was
	 * quicker) and a job can arrive while every worker is busy, so workers still look
	 * again after {@code timeout} (the poll interval) — that bounds a missed wake-up,
	 * and the wait is also when delayed jobs become due. The alternative, BLMOVE on the
	 * waiting list itself, cannot take two priority lists plus a lease in one atomic
	 * step. The wait uses a connection of its own ({@link BlockingRedis}): with Jedis a
	 * connection runs one command at a time, so a wait on one of the application's pool
	 * would hold it away from the job threads' commands for up to {@code timeout}.
	 * BLPOP is sent as a plain command, with its timeout in (fractional) seconds, so it
	 * is bound by that connection's read timeout (the poll interval plus 5 s), which
	 * bounds a wait on a Redis that went away.
	 */
	public void awaitWork(Duration timeout) {
		String seconds = Double.toString(Math.max(timeout.toMillis(), 10) / 1000.0);
		try (RedisConnection connection = waitConnections().connection()) {
			connection.execute("BLPOP", bytes(this.keys.wake()), bytes(seconds));
		}
	}

	private synchronized BlockingRedis waitConnections() {
		if (this.waitConnections == null) {
			this.waitConnections = new BlockingRedis(this.connectionFactory, 1,
					this.properties.pollInterval().plusSeconds(5));
		}
		return this.waitConnections;
	}

	@Override
	public synchronized void close() {
		if (this.waitConnections != null) {
			this.waitConnections.close();
			this.waitConnections = null;
		}
	}

	/** Queue sizes and totals, as stats.lua reports them. */
	public QueueStats stats() {
		List<String> args = new ArrayList<>(this.properties.types());
		List<?> flat = run(QueueScripts.STATS, args.toArray(String[]::new));
		Map<String, Long> values = new LinkedHashMap<>();
		for (int i = 0; i + 1 < flat.size(); i += 2) {
			values.put(str(flat.get(i)), Long.parseLong(str(flat.get(i + 1))));
		}
		return new QueueStats(values);
	}

	/** A job in the dead-letter store. */
	public record DeadJob(String id, String type, int attempts, int maxAttempts, long failedAt, String lastError) {
	}

	/** The newest {@code limit} dead jobs and how many there are in all. */
	public record DeadLetters(long total, List<DeadJob> jobs) {
	}

	public DeadLetters deadLetters(int limit) {
		List<?> flat = run(QueueScripts.DLQ_LIST, Integer.toString(limit));
		List<DeadJob> jobs = new ArrayList<>();
		for (int i = 1; i + DLQ_STRIDE <= flat.size(); i += DLQ_STRIDE) {
			jobs.add(new DeadJob(str(flat.get(i)), str(flat.get(i + 1)), (int) num(flat.get(i + 2)),
					(int) num(flat.get(i + 3)), num(flat.get(i + 4)), str(flat.get(i + 5))));
		}
		return new DeadLetters(num(flat.get(0)), jobs);
	}

	/** @return false when the id is not in the dead-letter store */
	public boolean replay(String id) {
		QueueKeys.requireJobId(id);
		return run(QueueScripts.REPLAY, id) == 1L;
	}

	/** Deletes every dead job. */
	public long purgeDeadLetters() {
		long total = 0;
		long removed;
		do {
			removed = run(QueueScripts.PURGE, Integer.toString(BATCH));
			total += removed;
		}
		while (removed > 0);
		return total;
	}

	/** The job's hash (empty when unknown); for tests and operators. */
	public Map<String, String> job(String id) {
		Map<Object, Object> raw = this.redis.opsForHash().entries(this.keys.job(id));
		Map<String, String> fields = new LinkedHashMap<>();
		raw.forEach((k, v) -> fields.put((String) k, (String) v));
		return fields;
	}

	/** The full name of a queue key, e.g. {@code key("dead")}. */
	public String key(String suffix) {
		return this.keys.key(suffix);
	}

	private <T> T run(RedisScript<T> script, String... args) {
		String[] all = new String[args.length + 1];
		all[0] = this.properties.prefix();
		System.arraycopy(args, 0, all, 1, args.length);
		return this.redis.execute(script, List.of(), (Object[]) all);
	}

	private static byte[] bytes(String text) {
		return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
	}

	static String str(Object value) {
		return (value instanceof byte[] bytes) ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
				: String.valueOf(value);
	}

	static long num(Object value) {
		return (value instanceof Number n) ? n.longValue() : Long.parseLong(str(value));
	}

}
