package dev.protostar.backend.event;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.queue.QueueClientProperties;
import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.crypto.EncryptedFields;
import dev.protostar.contract.crypto.UnreadableValueException;
import dev.protostar.contract.queue.QueueKeys;

/**
 * The SSE streams this instance holds, and the one path events take to them.
 * <p>
 * <b>One ordered path.</b> Every event lives in the user's Redis stream
 * (XADD by publish-event.lua, whoever publishes it). Each open stream
 * remembers the id of the last entry it delivered; delivering means reading
 * the user's Redis stream after that id (XRANGE, exclusive) and sending what
 * is there, in order, advancing the id. A notification on the user's channel,
 * a reconnect with {@code Last-Event-ID} and a newly opened stream all do just
 * that, one run at a time per stream, so replay and live delivery cannot
 * overtake each other and every event reaches a connection exactly once. A
 * client that reconnects (to this colour or the other) with the last id it
 * got continues exactly where it left off.
 * <p>
 * <b>No thread per connection.</b> An open stream is a Tomcat async request
 * (no thread held) plus this small object. Deliveries run as short tasks on
 * virtual threads, so a slow client's blocking write holds no platform thread
 * and cannot stall the others.
 * <p>
 * <b>Shutdown.</b> Stopped before the web server's graceful shutdown: every
 * stream gets a final {@code reconnect} event (with a short, randomised
 * {@code retry:}) and is completed, so clients reconnect at once, through
 * nginx, to the colour now serving, and graceful shutdown does not wait for
 * streams that would never end by themselves.
 */
@Component
class EventStreams implements SmartLifecycle {

	/** A Redis stream entry id: what Last-Event-ID must look like to be ours. */
	static final Pattern ENTRY_ID = Pattern.compile("(\\d{1,19})-(\\d{1,19})");

	private static final Log logger = LogFactory.getLog(EventStreams.class);

	private static final long WARN_EVERY_MILLIS = 30_000;

	private final StringRedisTemplate redis;

	private final QueueKeys keys;

	private final EventStreamProperties properties;

	private final DataCipher cipher;

	private final String color;

	private final Map<String, Set<Stream>> byUser = new ConcurrentHashMap<>();

	private final AtomicInteger open = new AtomicInteger();

	private final AtomicLong lastWarning = new AtomicLong();

	/** The heartbeat period is cut into this many ticks, each serving its share of the streams. */
	static final int HEARTBEAT_SLOTS = 16;

	private final ExecutorService delivery = Executors
		.newThreadPerTaskExecutor(Thread.ofVirtual().name("sse-delivery-", 0).factory());

	/**
	 * Platform threads that run the deliveries' Redis reads ({@link #readOffVirtual}).
	 * Jedis borrows from a commons-pool2 pool, which waits in {@code Object.wait()}
	 * inside {@code synchronized} when connections are being made at once; on the JRE
	 * 21 that pins a virtual thread's carrier. With 2 cores (2 carriers) two such
	 * waits stalled every virtual thread, the ones holding connections too, and the
	 * pool ran dry: 669 of 15,000 streams opened in 300 s (scripts/bench/api). A
	 * delivery now waits for its read on a future (which unmounts it) while one of
	 * these threads talks to Redis; their number also leaves the rest of the Redis
	 * pool to requests.
	 */
	private final ExecutorService redisReads = Executors.newFixedThreadPool(REDIS_READERS,
			Thread.ofPlatform().name("sse-redis-", 0).daemon(true).factory());

	/** Deliveries reading Redis at once; below the Redis pool's size (32 by default). */
	static final int REDIS_READERS = 8;

	private ScheduledExecutorService heartbeats;

	/** Ticks so far; only the heartbeat thread touches it. */
	private long heartbeatTicks;

	private volatile boolean running;

	EventStreams(StringRedisTemplate redis, QueueClientProperties queue, EventStreamProperties properties,
			DataCipher cipher, @Value("${protostar.color:}") String color, MeterRegistry meters) {
		this.redis = redis;
		this.keys = queue.keys();
		this.properties = properties;
		this.cipher = cipher;
		this.color = color;
		Gauge.builder("protostar.sse.streams", this.open, AtomicInteger::get)
			.description("SSE event streams open on this instance")
			.register(meters);
	}

	/** Why a stream cannot open; written as an envelope before any event. */
	static final class Refused extends Exception {

		final ResultCode code;

		final Long retryAfterSeconds;

		Refused(ResultCode code, String message, Long retryAfterSeconds) {
			super(message, null, false, false);
			this.code = code;
			this.retryAfterSeconds = retryAfterSeconds;
		}

	}

	/**
	 * Opens a stream for the user.
	 * @param lastEventId the client's {@code Last-Event-ID}: events after it are
	 * replayed; without one, only events from now on are sent
	 */
	SseEmitter open(String userId, String lastEventId) throws Refused {
		if (!this.running) {
			throw new Refused(ResultCode.SERVICE_UNAVAILABLE, "this instance is shutting down; reconnect", 1L);
		}
		long lifetime = this.properties.maxStreamDuration().toMillis();
		lifetime -= ThreadLocalRandom.current().nextLong(lifetime / 10 + 1);
		// The container's own timeout is only a safety net behind the expiry the
		// heartbeat enforces (which ends the stream with a reconnect event).
		SseEmitter emitter = new SseEmitter(lifetime + this.properties.heartbeat().toMillis() * 4);
		Start start;
		try {
			start = start(userId, lastEventId);
		}
		catch (DataAccessException ex) {
			warnThrottled("cannot open event streams", ex);
			throw new Refused(ResultCode.SERVICE_UNAVAILABLE, "events are unavailable right now; reconnect shortly",
					5L);
		}
		Stream stream = new Stream(userId, emitter, System.currentTimeMillis() + lifetime, start.after);
		// Counts as a delivery in progress until the first events are out, so a
		// notification arriving meanwhile waits for them instead of overtaking.
		stream.wip.set(1);
		register(stream);
		emitter.onCompletion(() -> unregister(stream));
		emitter.onTimeout(() -> unregister(stream));
		emitter.onError((ex) -> unregister(stream));
		try {
			stream.send(SseEmitter.event()
				.reconnectTime(this.properties.retry().toMillis())
				.name("ready")
				.data(readyData(start)));
			if (start.lost != null) {
				stream.send(SseEmitter.event().name("lost").data("{\"reason\":\"" + start.lost + "\"}"));
			}
		}
		catch (IOException ex) {
			// Not written yet: the response starts when the handler returns.
			unregister(stream);
			throw new IllegalStateException(ex);
		}
		// Replays what the client missed, then whatever was notified meanwhile.
		this.delivery.execute(() -> drain(stream));
		return emitter;
	}

	private String readyData(Start start) {
		return "{\"color\":\"" + jsonSafe(this.color) + "\",\"replayedFrom\":"
				+ ((start.replayedFrom != null) ? "\"" + start.replayedFrom + "\"" : "null") + "}";
	}

	/**
	 * @param after deliver entries after this id
	 * @param lost why events may have been missed, or null
	 * @param replayedFrom the Last-Event-ID honoured, or null
	 */
	private record Start(String after, String lost, String replayedFrom) {
	}

	/**
	 * Where a new stream starts. Entries are only ever removed from the old
	 * end (MAXLEN trimming) or all at once (the stream expires after
	 * protostar.queue.events-ttl without events), so the client's id still
	 * being in the stream proves nothing after it was removed. Otherwise the
	 * client is told with a {@code lost} event (and refetches the messages);
	 * that may be cautious, e.g. after a stream expired with nothing new.
	 */
	private Start start(String userId, String lastEventId) {
		String key = this.keys.userStream(userId);
		String latest = latestId(key);
		if (lastEventId == null || lastEventId.isBlank()) {
			return new Start((latest != null) ? latest : "0-0", null, null);
		}
		String requested = lastEventId.strip();
		if (!ENTRY_ID.matcher(requested).matches()) {
			return new Start((latest != null) ? latest : "0-0", "unknown-id", null);
		}
		if (latest == null) {
			// Expired (or never existed): whatever comes now is new to the client.
			return new Start("0-0", "expired", null);
		}
		if (!read(key, Range.closed(requested, requested), 1).isEmpty()) {
			return new Start(requested, null, requested);
		}
		if (compare(requested, latest) < 0) {
			return new Start(requested, "trimmed", requested);
		}
		// Newer than anything here: an id from a stream that no longer exists.
		return new Start("0-0", "unknown-id", null);
	}

	/** Wakes the user's streams: something was appended to the user's Redis stream. */
	void notifyUser(String userId) {
		Set<Stream> streams = this.byUser.get(userId);
		if (streams != null) {
			streams.forEach(this::schedule);
		}
	}

	/**
	 * Ends the user's streams on this instance with a {@code revoked} event:
	 * the user's access shrank (see StreamRevocations), and the client should
	 * refresh its access token before it reconnects (with its Last-Event-ID).
	 * @param reason one of the AccessRevoked constants, passed on to the client
	 */
	void revoke(String userId, String reason) {
		Set<Stream> streams = this.byUser.get(userId);
		if (streams == null) {
			return;
		}
		String data = "{\"reason\":\"" + jsonSafe(reason) + "\"}";
		for (Stream stream : streams) {
			// One builder per send: building one consumes it.
			this.delivery.execute(() -> end(stream, SseEmitter.event().name("revoked").data(data)));
		}
	}

	/** Wakes every stream, e.g. after the notification subscription was (re)established. */
	void notifyEveryone() {
		this.byUser.values().forEach((streams) -> streams.forEach(this::schedule));
	}

	int openStreams() {
		return this.open.get();
	}

	private void register(Stream stream) throws Refused {
		boolean[] added = { false };
		this.byUser.compute(stream.userId, (user, streams) -> {
			Set<Stream> set = (streams != null) ? streams : ConcurrentHashMap.newKeySet();
			if (set.size() < this.properties.maxStreamsPerUser()) {
				set.add(stream);
				added[0] = true;
			}
			return set.isEmpty() ? null : set;
		});
		if (!added[0]) {
			throw new Refused(ResultCode.TOO_MANY_STREAMS, "at most " + this.properties.maxStreamsPerUser()
					+ " event streams per user; close one first", null);
		}
		this.open.incrementAndGet();
	}

	private void unregister(Stream stream) {
		stream.closed = true;
		boolean[] removed = { false };
		this.byUser.computeIfPresent(stream.userId, (user, streams) -> {
			removed[0] = streams.remove(stream);
			return streams.isEmpty() ? null : streams;
		});
		if (removed[0]) {
			this.open.decrementAndGet();
		}
	}

	/**
	 * Runs a delivery for the stream unless one is running; one that is
	 * running is told to look once more before it ends (so a notification
	 * arriving mid-delivery is never lost, and runs never overlap).
	 */
	private void schedule(Stream stream) {
		if (stream.wip.getAndIncrement() == 0) {
			try {
				this.delivery.execute(() -> drain(stream));
			}
			catch (RuntimeException ex) { // shutting down
				stream.wip.set(0);
			}
		}
	}

	private void drain(Stream stream) {
		int missed = 1;
		do {
			deliver(stream);
			missed = stream.wip.addAndGet(-missed);
		}
		while (missed != 0);
	}

	private void deliver(Stream stream) {
		String key = this.keys.userStream(stream.userId);
		try {
			while (!stream.closed) {
				List<MapRecord<String, Object, Object>> records = readOffVirtual(key,
						Range.rightUnbounded(Range.Bound.inclusive(successor(stream.lastId))),
						this.properties.replayBatch());
				for (MapRecord<String, Object, Object> record : records) {
					String id = record.getId().getValue();
					Object event = record.getValue().get("event");
					Object data = record.getValue().get("data");
					String name = (event != null) ? event.toString() : "message";
					String body;
					try {
						body = (data != null) ? oneLine(this.cipher.decryptJson(data.toString(), EncryptedFields.EVENT_DATA))
								: "{}";
					}
					catch (UnreadableValueException ex) {
						// Said like a gap in the stream: the client refetches the messages,
						// and the id still advances, so one bad entry cannot stop the rest.
						warnThrottled("Event streams: an event cannot be decrypted (" + ex.getMessage() + ")");
						Object jobId = record.getValue().get("jobId");
						name = "lost";
						body = "{\"jobId\":\"" + jsonSafe((jobId != null) ? jobId.toString() : "")
								+ "\",\"reason\":\"unreadable\"}";
					}
					stream.send(SseEmitter.event().id(id).name(name).data(body));
					stream.lastId = id;
				}
				if (records.size() < this.properties.replayBatch()) {
					return;
				}
			}
		}
		catch (IOException | IllegalStateException ex) {
			// The client went away or the stream was completed meanwhile.
			unregister(stream);
		}
		catch (DataAccessException ex) {
			// Left where it is: the next notification (or resubscription) resumes.
			warnThrottled("cannot read events", ex);
		}
	}

	/**
	 * One tick of the heartbeat: the streams of this tick's slot get their
	 * comment (or, past their lifetime, the reconnect event). Each stream has a
	 * random slot of {@value #HEARTBEAT_SLOTS}, so every stream still hears
	 * once per heartbeat period, but the writes are spread over the period: all
	 * at once, 15,000 streams made a burst every period that held up requests
	 * for more than a second.
	 */
	private void heartbeat() {
		long now = System.currentTimeMillis();
		int slot = (int) (this.heartbeatTicks++ % HEARTBEAT_SLOTS);
		for (Set<Stream> streams : this.byUser.values()) {
			for (Stream stream : streams) {
				if (stream.heartbeatSlot != slot) {
					continue;
				}
				this.delivery.execute(() -> {
					if (now >= stream.expiresAt) {
						end(stream, this.properties.retry().toMillis(), "expired");
						return;
					}
					try {
						stream.send(SseEmitter.event().comment(""));
					}
					catch (IOException | IllegalStateException ex) {
						unregister(stream);
					}
				});
			}
		}
	}

	/** Tells the client to reconnect (carrying its Last-Event-ID) and ends the stream. */
	private void end(Stream stream, long retryMillis, String reason) {
		end(stream, SseEmitter.event().reconnectTime(retryMillis).name("reconnect")
			.data("{\"reason\":\"" + reason + "\"}"));
	}

	/** Sends the stream's last event and ends it. */
	private void end(Stream stream, SseEmitter.SseEventBuilder last) {
		try {
			stream.send(last);
			stream.emitter.complete();
		}
		catch (IOException | IllegalStateException ex) {
			// Gone already.
		}
		unregister(stream);
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.heartbeats = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
			.name("sse-heartbeat")
			.daemon(true)
			.factory());
		long tick = Math.max(1, this.properties.heartbeat().toMillis() / HEARTBEAT_SLOTS);
		this.heartbeats.scheduleAtFixedRate(this::heartbeat, tick, tick, TimeUnit.MILLISECONDS);
		this.running = true;
	}

	@Override
	public synchronized void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		this.heartbeats.shutdownNow();
		logger.info("Ended " + endAll("shutdown") + " event streams with a reconnect hint");
	}

	/**
	 * Ends every open stream with a {@code reconnect} event, as {@link #stop()} does, and
	 * goes on serving. A deploy asks it of the colour it switched away from and keeps
	 * warm for a rollback: its clients move to the serving colour at once, rather than
	 * when nginx's old workers give their connections up.
	 * @return how many streams were ended
	 */
	synchronized int handOver() {
		int ended = endAll("handover");
		logger.info("Handed over " + ended + " event streams with a reconnect hint");
		return ended;
	}

	/** Ends every stream with a reconnect event, each at a random retry within the spread. */
	private int endAll(String reason) {
		long spread = Math.max(1, this.properties.reconnectSpread().toMillis());
		int ended = 0;
		for (Set<Stream> streams : this.byUser.values()) {
			for (Stream stream : streams) {
				end(stream, ThreadLocalRandom.current().nextLong(spread), reason);
				ended++;
			}
		}
		return ended;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Before the web server's graceful shutdown (phase DEFAULT_PHASE - 1024),
	 * which would otherwise wait its whole timeout for streams that never end.
	 */
	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 512;
	}

	private String latestId(String key) {
		List<MapRecord<String, Object, Object>> last = this.redis.opsForStream()
			.reverseRange(key, Range.unbounded(), Limit.limit().count(1));
		return (last == null || last.isEmpty()) ? null : last.get(0).getId().getValue();
	}

	/** {@link #read}, run on a platform thread of {@link #redisReads}: never Jedis on a virtual thread. */
	private List<MapRecord<String, Object, Object>> readOffVirtual(String key, Range<String> range, int count) {
		if (!Thread.currentThread().isVirtual()) {
			return read(key, range, count);
		}
		Future<List<MapRecord<String, Object, Object>>> reading;
		try {
			reading = this.redisReads.submit(() -> read(key, range, count));
		}
		catch (RejectedExecutionException ex) {
			throw new IllegalStateException("shutting down", ex);
		}
		try {
			return reading.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			reading.cancel(false);
			throw new IllegalStateException("interrupted", ex);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new IllegalStateException(ex.getCause());
		}
	}

	private List<MapRecord<String, Object, Object>> read(String key, Range<String> range, int count) {
		List<MapRecord<String, Object, Object>> records = this.redis.opsForStream()
			.range(key, range, Limit.limit().count(count));
		return (records != null) ? records : List.of();
	}

	/** The smallest id after {@code id}: XRANGE from it is XRANGE after {@code id}, exclusive. */
	static String successor(String id) {
		int dash = id.indexOf('-');
		return id.substring(0, dash) + "-" + (Long.parseUnsignedLong(id.substring(dash + 1)) + 1);
	}

	static int compare(String a, String b) {
		int dashA = a.indexOf('-');
		int dashB = b.indexOf('-');
		int byTime = Long.compareUnsigned(Long.parseUnsignedLong(a.substring(0, dashA)),
				Long.parseUnsignedLong(b.substring(0, dashB)));
		return (byTime != 0) ? byTime : Long.compareUnsigned(Long.parseUnsignedLong(a.substring(dashA + 1)),
				Long.parseUnsignedLong(b.substring(dashB + 1)));
	}

	/**
	 * An SSE data line ends at a line break. Compact JSON has none (they are
	 * escaped inside strings); a pretty-printed payload would, and whitespace
	 * between JSON tokens may be a space instead.
	 */
	static String oneLine(String data) {
		return (data.indexOf('\n') < 0 && data.indexOf('\r') < 0) ? data : data.replace('\r', ' ').replace('\n', ' ');
	}

	private static String jsonSafe(String text) {
		return text.replaceAll("[^A-Za-z0-9._-]", "");
	}

	private void warnThrottled(String what, DataAccessException ex) {
		warnThrottled("Event streams: " + what + ", Redis is unavailable (" + ex.getMessage() + ")");
	}

	private void warnThrottled(String message) {
		long now = System.currentTimeMillis();
		long last = this.lastWarning.get();
		if (now - last >= WARN_EVERY_MILLIS && this.lastWarning.compareAndSet(last, now)) {
			logger.warn(message);
		}
	}

	/** One open SSE connection. */
	private static final class Stream {

		final String userId;

		final SseEmitter emitter;

		final long expiresAt;

		/** Id of the last entry delivered; only the running delivery changes it. */
		volatile String lastId;

		final AtomicInteger wip = new AtomicInteger();

		volatile boolean closed;

		/** Which tick of the heartbeat period this stream hears on (see heartbeat()). */
		final int heartbeatSlot = ThreadLocalRandom.current().nextInt(HEARTBEAT_SLOTS);

		Stream(String userId, SseEmitter emitter, long expiresAt, String lastId) {
			this.userId = userId;
			this.emitter = emitter;
			this.expiresAt = expiresAt;
			this.lastId = lastId;
		}

		void send(SseEmitter.SseEventBuilder event) throws IOException {
			this.emitter.send(event);
		}

	}

}
