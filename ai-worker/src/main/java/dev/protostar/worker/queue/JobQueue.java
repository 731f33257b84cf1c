package dev.protostar.worker.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The Redis side of the queue: every state change is one Lua script (in
 * {@code resources/queue/}, shared with {@code protostar jobs}), so a job is never in
 * two places or none. The protocol is written down in ai-worker/QUEUE.md.
 *
 * <p>
 * Scripts run through {@link StringRedisTemplate}, which sends EVALSHA and falls back
 * to EVAL when Redis answers NOSCRIPT (its script cache is empty after a restart).
 */
public class JobQueue implements AutoCloseable {

	/** Job ids (and user ids in event keys): what enqueue.lua accepts. */
	public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

	private static final int CLAIM_STRIDE = 8;

	private static final int DLQ_STRIDE = 6;

	private static final int BATCH = 500;

	private final StringRedisTemplate redis;

	private final LettuceConnectionFactory connectionFactory;

	private final QueueProperties properties;

	private final RedisScript<Long> enqueue = script("enqueue", Long.class);

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> claim = script("claim", List.class);

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> extend = script("extend", List.class);

	private final RedisScript<Long> complete = script("complete", Long.class);

	private final RedisScript<Long> fail = script("fail", Long.class);

	private final RedisScript<Long> release = script("release", Long.class);

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> maintain = script("maintain", List.class);

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> stats = script("stats", List.class);

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> dlqList = script("dlq-list", List.class);

	private final RedisScript<Long> replay = script("replay", Long.class);

	private final RedisScript<Long> purge = script("purge", Long.class);

	private StatefulRedisConnection<String, String> waitConnection;

	public JobQueue(StringRedisTemplate redis, LettuceConnectionFactory connectionFactory,
			QueueProperties properties) {
		this.redis = redis;
		this.connectionFactory = connectionFactory;
		this.properties = properties;
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
		requireId(id);
		return run(this.enqueue, id, type, payload, Integer.toString(maxAttempts)) == 1L;
	}

	/** Claims up to {@code count} waiting jobs, higher-priority types first. */
	public List<Job> claim(String workerId, int count) {
		List<String> args = new ArrayList<>(List.of(workerId, Integer.toString(count),
				Long.toString(this.properties.lease().toMillis())));
		args.addAll(this.properties.types());
		List<?> flat = run(this.claim, args.toArray(String[]::new));
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
		return run(this.extend, args.toArray(String[]::new)).stream().map(JobQueue::str).toList();
	}

	/** @return false when the lease was lost (the result is ignored) */
	public boolean complete(Job job) {
		return run(this.complete, job.id(), job.lease(),
				Long.toString(this.properties.completedRetention().toMillis())) == 1L;
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
		long outcome = run(this.fail, job.id(), job.lease(), error, retryable ? "1" : "0",
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
		return run(this.release, args.toArray(String[]::new)).intValue();
	}

	/** What one {@link #maintain()} call did. */
	public record Maintenance(long promoted, long recovered, long deadLettered) {
	}

	/** Promotes due delayed jobs and recovers jobs whose lease expired. */
	public Maintenance maintain() {
		List<?> result = run(this.maintain, Integer.toString(BATCH));
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
	 * step. The wait uses its own connection: a blocking command on the shared one
	 * would stall every other command of this process.
	 */
	public void awaitWork(Duration timeout) {
		waitConnection().sync().blpop(Math.max(timeout.toMillis(), 10) / 1000.0, key("wake"));
	}

	private synchronized StatefulRedisConnection<String, String> waitConnection() {
		if (this.waitConnection == null) {
			RedisClient client = (RedisClient) this.connectionFactory.getRequiredNativeClient();
			StatefulRedisConnection<String, String> connection = client.connect();
			// Longer than the block itself; bounds a wait on a Redis that went away.
			connection.setTimeout(this.properties.pollInterval().plusSeconds(5));
			this.waitConnection = connection;
		}
		return this.waitConnection;
	}

	@Override
	public synchronized void close() {
		if (this.waitConnection != null) {
			this.waitConnection.close();
			this.waitConnection = null;
		}
	}

	/** Queue sizes and totals, as stats.lua reports them. */
	public QueueStats stats() {
		List<String> args = new ArrayList<>(this.properties.types());
		List<?> flat = run(this.stats, args.toArray(String[]::new));
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
		List<?> flat = run(this.dlqList, Integer.toString(limit));
		List<DeadJob> jobs = new ArrayList<>();
		for (int i = 1; i + DLQ_STRIDE <= flat.size(); i += DLQ_STRIDE) {
			jobs.add(new DeadJob(str(flat.get(i)), str(flat.get(i + 1)), (int) num(flat.get(i + 2)),
					(int) num(flat.get(i + 3)), num(flat.get(i + 4)), str(flat.get(i + 5))));
		}
		return new DeadLetters(num(flat.get(0)), jobs);
	}

	/** @return false when the id is not in the dead-letter store */
	public boolean replay(String id) {
		requireId(id);
		return run(this.replay, id) == 1L;
	}

	/** Deletes every dead job. */
	public long purgeDeadLetters() {
		long total = 0;
		long removed;
		do {
			removed = run(this.purge, Integer.toString(BATCH));
			total += removed;
		}
		while (removed > 0);
		return total;
	}

	/** The job's hash (empty when unknown); for tests and operators. */
	public Map<String, String> job(String id) {
		Map<Object, Object> raw = this.redis.opsForHash().entries(key("job:" + id));
		Map<String, String> fields = new LinkedHashMap<>();
		raw.forEach((k, v) -> fields.put((String) k, (String) v));
		return fields;
	}

	/** The full name of a queue key, e.g. {@code key("dead")}. */
	public String key(String suffix) {
		return this.properties.prefix() + suffix;
	}

	private static void requireId(String id) {
		if (id == null || !ID.matcher(id).matches()) {
			throw new IllegalArgumentException("invalid job id '" + id
					+ "': want 1-128 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit");
		}
	}

	private <T> T run(RedisScript<T> script, String... args) {
		String[] all = new String[args.length + 1];
		all[0] = this.properties.prefix();
		System.arraycopy(args, 0, all, 1, args.length);
		return this.redis.execute(script, List.of(), (Object[]) all);
	}

	private static <T> RedisScript<T> script(String name, Class<T> type) {
		return RedisScript.of(new ClassPathResource("queue/" + name + ".lua"), type);
	}

	static String str(Object value) {
		return (value instanceof byte[] bytes) ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
				: String.valueOf(value);
	}

	static long num(Object value) {
		return (value instanceof Number n) ? n.longValue() : Long.parseLong(str(value));
	}

}
