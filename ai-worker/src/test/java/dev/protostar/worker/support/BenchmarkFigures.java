package dev.protostar.worker.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The figures of a benchmark's Java part, for the JSON its script writes beside the text
 * results (scripts/bench/lib/figures.sh): one {@code key<TAB>value} line each, appended to
 * the file the script exports as {@code BENCH_FIGURES}. Without that variable (a run from
 * an IDE) the figures are only printed by the benchmark itself.
 */
public final class BenchmarkFigures {

	private static final Pattern KEY = Pattern.compile("[a-z0-9_]+(\\.[a-z0-9_-]+)*");

	private BenchmarkFigures() {
	}

	/** Records a figure; decimals with a dot and up to three places, whatever the locale. */
	public static void record(String key, double value) {
		record(key, Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.3f", value));
	}

	public static void record(String key, boolean value) {
		record(key, Boolean.toString(value));
	}

	public static void record(String key, long value) {
		record(key, Long.toString(value));
	}

	public static void record(String key, String value) {
		if (!KEY.matcher(key).matches()) {
			throw new IllegalArgumentException("not a figure key (lower case, dots between parts): " + key);
		}
		String file = System.getenv("BENCH_FIGURES");
		if (file == null || file.isBlank()) {
			return;
		}
		try {
			Files.writeString(Path.of(file), key + "\t" + value.replaceAll("[\t\n]", " ") + "\n", StandardCharsets.UTF_8,
					StandardOpenOption.CREATE, StandardOpenOption.APPEND);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("could not write the figure " + key + " to " + file, ex);
		}
	}

}
