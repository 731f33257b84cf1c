package dev.protostar.worker.queue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import dev.protostar.worker.support.BenchmarkFigures;

/**
 * The queue's benchmark, run by {@code scripts/bench/queue} against a Redis it starts
 * (not part of the build: neither a *Tests nor an *IntegrationTests class).
 *
 * <ol>
 * <li>Throughput: N no-op jobs are enqueued first, then one worker (concurrency C) runs
 * them; jobs/s = N / time from the worker's start to the last completion (what
 * scripts/bench/lib/bullmq_bench.mjs measures for BullMQ in the same run).</li>
 * <li>Pickup latency: with the worker idle, jobs are enqueued at a steady rate; the time
 * from just before the enqueue call to the handler's start, in the same JVM.</li>
 * </ol>
 * Arguments: host port jobs concurrency latencyJobs ratePerSecond resultsFile. The figures
 * are also appended, as {@code key<TAB>value} lines, to the file named by the environment
 * variable {@code BENCH_FIGURES} when it is set (scripts/bench/lib/figures.sh).
 */
public final class QueueBenchmark {

	private QueueBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		String host = args[0];
		int port = Integer.parseInt(args[1]);
		int jobs = Integer.parseInt(args[2]);
		int concurrency = Integer.parseInt(args[3]);
		int latencyJobs = Integer.parseInt(args[4]);
		int rate = Integer.parseInt(args[5]);
		Path results = Path.of(args[6]);

		QueueFixture.Settings settings = QueueFixture.settings().worker("bench").concurrency(concurrency);
		try (QueueFixture fixture = new QueueFixture(host, port)) {
			fixture.flush();
			JobQueue producer = fixture.queue(QueueFixture.settings().worker("producer"));
			enqueueInParallel(producer, "warm", 2000);
			runUntilDone(fixture, settings, 2000); // JIT and connections warm

			fixture.flush();
			long enqueueStart = System.nanoTime();
			enqueueInParallel(producer, "t", jobs);
			double enqueueSeconds = (System.nanoTime() - enqueueStart) / 1e9;
			double seconds = runUntilDone(fixture, settings, jobs);

			fixture.flush();
			long[] latencies = pickupLatencies(fixture, settings, producer, latencyJobs, rate);
			Arrays.sort(latencies);

			String report = String.join("\n",
					"# Protostar queue benchmark, %s".formatted(java.time.Instant.now()),
					"# host: %d cores; Redis %s:%d (AOF everysec); Java %s".formatted(
							Runtime.getRuntime().availableProcessors(), host, port, System.getProperty("java.version")),
					row("enqueue, 4 producer threads (jobs/s)", "%.0f".formatted(jobs / enqueueSeconds)),
					row("no-op jobs, 1 worker, concurrency %d (jobs/s)".formatted(concurrency),
							"%.0f  (%d jobs in %.2f s)".formatted(jobs / seconds, jobs, seconds)),
					row("enqueue->pickup latency p50 (ms)", ms(percentile(latencies, 50))),
					row("enqueue->pickup latency p99 (ms)", ms(percentile(latencies, 99))),
					row("enqueue->pickup latency max (ms)", ms(latencies[latencies.length - 1])),
					row("  (%d jobs at %d/s to an idle worker)".formatted(latencyJobs, rate), ""), "");
			System.out.print(report);
			Files.writeString(results, report, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
			BenchmarkFigures.record("protostar.enqueue_jobs_s", Math.round(jobs / enqueueSeconds));
			BenchmarkFigures.record("protostar.jobs_s", Math.round(jobs / seconds));
			BenchmarkFigures.record("protostar.pickup_p50_ms", ms(percentile(latencies, 50)));
			BenchmarkFigures.record("protostar.pickup_p99_ms", ms(percentile(latencies, 99)));
			BenchmarkFigures.record("protostar.pickup_max_ms", ms(latencies[latencies.length - 1]));
			BenchmarkFigures.record("protostar.pickup_jobs", latencies.length);
		}
	}

	private static void enqueueInParallel(JobQueue producer, String prefix, int jobs) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(4);
		AtomicInteger next = new AtomicInteger();
		for (int t = 0; t < 4; t++) {
			pool.execute(() -> {
				for (int i = next.getAndIncrement(); i < jobs; i = next.getAndIncrement()) {
					String id = prefix + "-" + i;
					producer.enqueue(id, "chat", QueueFixture.chatPayload(id, "u-bench"));
				}
			});
		}
		pool.shutdown();
		pool.awaitTermination(10, TimeUnit.MINUTES);
	}

	/** Starts a worker on the waiting jobs; seconds until {@code jobs} completed. */
	private static double runUntilDone(QueueFixture fixture, QueueFixture.Settings settings, int jobs)
			throws InterruptedException {
		CountDownLatch done = new CountDownLatch(jobs);
		// Counted after the handler returns: the completion (one script call) follows at once.
		long start = System.nanoTime();
		JobWorker worker = fixture.worker(settings, new JobHandler() {
			@Override
			public String type() {
				return "chat";
			}

			@Override
			public void handle(Job job, JobContext context) {
				done.countDown();
			}
		});
		done.await(10, TimeUnit.MINUTES);
		QueueFixture.await(Duration.ofMinutes(1), "every completion is recorded",
				() -> worker.inFlight() == 0);
		double seconds = (System.nanoTime() - start) / 1e9;
		worker.stop();
		return seconds;
	}

	private static long[] pickupLatencies(QueueFixture fixture, QueueFixture.Settings settings, JobQueue producer,
			int count, int rate) throws InterruptedException {
		Map<String, Long> enqueuedAt = new ConcurrentHashMap<>();
		long[] latencies = new long[count];
		AtomicInteger n = new AtomicInteger();
		CountDownLatch done = new CountDownLatch(count);
		JobWorker worker = fixture.worker(settings, new JobHandler() {
			@Override
			public String type() {
				return "chat";
			}

			@Override
			public void handle(Job job, JobContext context) {
				long now = System.nanoTime();
				Long at = enqueuedAt.get(job.id());
				if (at != null) {
					latencies[n.getAndIncrement()] = now - at;
					done.countDown();
				}
			}
		});
		Thread.sleep(500); // the worker reaches its idle wait
		long interval = TimeUnit.SECONDS.toNanos(1) / rate;
		long next = System.nanoTime();
		for (int i = 0; i < count; i++) {
			LockSupport.parkNanos(next - System.nanoTime());
			String id = "l-" + i;
			enqueuedAt.put(id, System.nanoTime());
			producer.enqueue(id, "chat", QueueFixture.chatPayload(id, "u-bench"));
			next += interval;
		}
		done.await(2, TimeUnit.MINUTES);
		worker.stop();
		return Arrays.copyOf(latencies, n.get());
	}

	private static long percentile(long[] sorted, int p) {
		int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
	}

	private static String ms(long nanos) {
		return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
	}

	private static String row(String name, String value) {
		return "%-52s %s".formatted(name, value);
	}

}
