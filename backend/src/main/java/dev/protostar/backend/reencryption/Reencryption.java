package dev.protostar.backend.reencryption;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import dev.protostar.backend.reencryption.ReencryptionRepository.Column;
import dev.protostar.backend.reencryption.ReencryptionRepository.Row;
import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.crypto.UnreadableValueException;

/**
 * Brings every stored conversation value to the active data key, in the background:
 * after {@code protostar keys rotate} the values of the older key, and after encryption
 * is turned on the plaintext written before. Each value is decrypted with whatever key it
 * names and encrypted again with the active one, then written back only if the row still
 * holds what was read, so a rename or an answer written meanwhile is never overwritten.
 * <p>
 * It needs nothing more than any write does: the active key, which every application
 * has before it becomes active (see {@link DataCipher}). The backend does it, not the
 * ai-worker: the worker, which parses untrusted files, may not rewrite a title or a
 * message (compose/postgres/roles.sql). One colour at a time (a lease in Redis; the other
 * skips its turn), a batch at a time with a pause between.
 * <p>
 * When: soon after the start; whenever {@code protostar keys} asks for it (it increments
 * {@link #REQUEST_KEY} once a rotation has redeployed both apps, so what the colour and the
 * worker still on the older settings wrote meanwhile is caught at once); again right after
 * a pass that changed something; otherwise every {@code interval}. A value
 * that cannot be decrypted (its key is missing here, or it was altered) is left as it is
 * and counted; the warning names the key, never the value.
 */
class Reencryption implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(Reencryption.class);

	/** The lease of the colour re-encrypting: its random owner id, expiring unless renewed. */
	static final String LEASE_KEY = "protostar:reencryption:lease";

	/** A counter `protostar keys` increments to ask for a pass now. */
	static final String REQUEST_KEY = "protostar:reencryption:requested";

	/** How often the counter is looked at (one GET). */
	private static final Duration TICK = Duration.ofSeconds(5);

	private static final RedisScript<Long> RELEASE = RedisScript.of(
			"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
			Long.class);

	private static final RedisScript<Long> RENEW = RedisScript.of(
			"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
			Long.class);

	private final ReencryptionRepository rows;

	private final DataCipher cipher;

	private final StringRedisTemplate redis;

	private final ReencryptionProperties properties;

	private final String owner = UUID.randomUUID().toString();

	private ScheduledExecutorService executor;

	private volatile boolean running;

	/** Set by {@link #stop}: a pass under way ends after its batch. */
	private volatile boolean stopping;

	/** Unreadable values the last pass found; warned about again only when it changes. */
	private long unreadableBefore;

	/** The request counter at the last pass (null: none seen yet). */
	private String requestSeen;

	/** When the next pass is due without a request (nanoTime). */
	private long nextPassAt;

	Reencryption(ReencryptionRepository rows, DataCipher cipher, StringRedisTemplate redis,
			ReencryptionProperties properties) {
		this.rows = rows;
		this.cipher = cipher;
		this.redis = redis;
		this.properties = properties;
	}

	/** What a pass did. */
	record Pass(long reencrypted, long unreadable, String lastUnreadable, boolean complete) {
	}

	@Override
	public void start() {
		this.running = true;
		if (!this.cipher.encrypts()) {
			log.info("Re-encryption is idle: no data key is active (DATA_ENCRYPTION_ACTIVE_KEY)");
			return;
		}
		this.executor = Executors.newSingleThreadScheduledExecutor(
				Thread.ofPlatform().name("reencryption").daemon(true).factory());
		this.nextPassAt = System.nanoTime();
		this.executor.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** Runs a pass when one is due or asked for. */
	private void tick() {
		try {
			String requested = this.redis.opsForValue().get(REQUEST_KEY);
			boolean asked = requested != null && !requested.equals(this.requestSeen);
			if (!asked && System.nanoTime() - this.nextPassAt < 0) {
				return;
			}
			this.requestSeen = requested;
			Pass pass = runIfLeased();
			// Right after a pass that changed something, another: a colour still on the
			// previous settings may have written meanwhile.
			boolean again = pass != null && pass.reencrypted() > 0 && pass.complete();
			this.nextPassAt = System.nanoTime() + (again ? 0 : this.properties.interval().toNanos());
		}
		catch (RuntimeException ex) {
			this.nextPassAt = System.nanoTime() + this.properties.interval().toNanos();
			log.warn("Re-encryption pass failed (tried again in {}): {}", this.properties.interval(), ex.toString());
		}
	}

	/** @return the pass, or null when another instance holds the lease */
	Pass runIfLeased() {
		// Renewed after every batch: a colour that stops mid-pass holds it up two minutes.
		long lease = 120_000;
		if (!Boolean.TRUE.equals(this.redis.opsForValue()
			.setIfAbsent(LEASE_KEY, this.owner, Duration.ofMillis(lease)))) {
			return null;
		}
		try {
			return pass(() -> this.redis.execute(RENEW, List.of(LEASE_KEY), this.owner, Long.toString(lease)));
		}
		finally {
			this.redis.execute(RELEASE, List.of(LEASE_KEY), this.owner);
		}
	}

	/**
	 * One pass over every encrypted column.
	 * @param afterBatch run after each batch (renews the lease)
	 */
	Pass pass(Runnable afterBatch) {
		String active = this.cipher.activeKeyId();
		long reencrypted = 0;
		long unreadable = 0;
		String lastUnreadable = null;
		boolean complete = true;
		for (Column column : Column.values()) {
			UUID after = ReencryptionRepository.FIRST;
			while (true) {
				if (this.stopping) {
					complete = false;
					break;
				}
				List<Row> batch = this.rows.candidates(column, active, after, this.properties.batchSize());
				for (Row row : batch) {
					try {
						if (this.rows.replace(column, row.id(), row.value(), reencrypt(column, row.value()))) {
							reencrypted++;
						}
					}
					catch (UnreadableValueException ex) {
						unreadable++;
						lastUnreadable = ex.getMessage();
					}
				}
				if (batch.size() < this.properties.batchSize()) {
					break;
				}
				after = batch.get(batch.size() - 1).id();
				afterBatch.run();
				pause();
			}
		}
		report(active, reencrypted, unreadable, lastUnreadable);
		return new Pass(reencrypted, unreadable, lastUnreadable, complete);
	}

	private String reencrypt(Column column, String stored) {
		return column.json ? this.cipher.encryptJson(this.cipher.decryptJson(stored, column.field), column.field)
				: this.cipher.encrypt(this.cipher.decrypt(stored, column.field), column.field);
	}

	private void report(String active, long reencrypted, long unreadable, String lastUnreadable) {
		if (reencrypted > 0) {
			log.info("Re-encrypted {} stored values with data key '{}'", reencrypted, active);
		}
		if (unreadable != this.unreadableBefore && unreadable > 0) {
			log.warn("{} stored values cannot be re-encrypted with data key '{}', e.g.: {}; they stay as they are"
					+ " (see `protostar keys status`)", unreadable, active, lastUnreadable);
		}
		this.unreadableBefore = unreadable;
	}

	private void pause() {
		try {
			Thread.sleep(this.properties.pause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.stopping = true;
		}
	}

	@Override
	public void stop() {
		this.stopping = true;
		this.running = false;
		if (this.executor != null) {
			this.executor.shutdownNow();
			try {
				this.executor.awaitTermination(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

}
