package dev.protostar.worker.retrieval;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The lexical index's upkeep, in the background from start-up and then every
 * {@code protostar.retrieval.upkeep-interval}: gives terms to chunks that have none, then
 * counts again which terms are common ({@link CommonTerms}).
 *
 * <p>
 * The backfill gives lexical terms to chunks that have none: those written before
 * V5__lexical_search.sql, so an existing install gets lexical search without
 * re-embedding anything, and those a worker of the previous release writes during a
 * rolling deploy; in batches of one transaction each.
 * Rows are claimed with {@code FOR UPDATE SKIP LOCKED}, so several workers share the
 * work instead of repeating it, and an ingestion writing the same chunk meanwhile
 * simply waits for the batch.
 */
class LexicalUpkeep implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(LexicalUpkeep.class);

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final LexemeColumn lexemes;

	private final CommonTerms commonTerms;

	private final int batchSize;

	private final Duration interval;

	private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((r) -> {
		Thread thread = new Thread(r, "lexical-upkeep");
		thread.setDaemon(true);
		return thread;
	});

	LexicalUpkeep(JdbcTemplate jdbc, TransactionTemplate transactions, LexemeColumn lexemes, CommonTerms commonTerms,
			int batchSize, Duration interval) {
		this.commonTerms = commonTerms;
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.lexemes = lexemes;
		this.batchSize = batchSize;
		this.interval = interval;
	}

	@EventListener(ApplicationReadyEvent.class)
	void start() {
		if (this.interval.isZero() || this.interval.isNegative()) {
			this.executor.execute(this::runQuietly);
		}
		else {
			this.executor.scheduleWithFixedDelay(this::runQuietly, 0, this.interval.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	private void runQuietly() {
		try {
			if (this.lexemes.present()) {
				run();
				int common = this.commonTerms.refresh();
				log.debug("{} terms are common enough to be left out of questions", common);
			}
		}
		catch (RuntimeException ex) {
			log.warn("Lexical index upkeep stopped (tried again in {}): {}", this.interval, ex.toString());
		}
	}

	/** Tokenises every chunk without terms. @return how many it did */
	int run() {
		if (!this.lexemes.present()) {
			return 0;
		}
		int total = 0;
		int done;
		do {
			done = batch();
			total += done;
		}
		while (done == this.batchSize && !Thread.currentThread().isInterrupted());
		if (total > 0) {
			log.info("Lexical backfill: gave terms to {} chunks written without them", total);
		}
		return total;
	}

	private int batch() {
		Integer done = this.transactions.execute((status) -> {
			List<Object[]> rows = this.jdbc.query("SELECT document_id, chunk_index, content FROM document_chunks"
					+ " WHERE lexemes IS NULL LIMIT ? FOR UPDATE SKIP LOCKED",
					(rs, n) -> new Object[] { LexicalTerms.tsvector(rs.getString(3)), rs.getObject(1, UUID.class),
							rs.getInt(2) },
					this.batchSize);
			this.jdbc.batchUpdate("UPDATE document_chunks SET lexemes = ?::tsvector"
					+ " WHERE document_id = ? AND chunk_index = ?", rows);
			return rows.size();
		});
		return (done != null) ? done : 0;
	}

	@Override
	public void close() {
		this.executor.shutdownNow();
	}

}
