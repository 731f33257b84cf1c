package dev.protostar.worker.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;

/**
 * A benchmark's figures for scripts/bench/lib/figures.sh: "key TAB value" lines appended
 * to the file {@code $BENCH_FIGURES} names, which the script turns into JSON (keys in
 * lower case, dots between parts). Without the variable (a benchmark started by hand),
 * figures are dropped.
 */
public final class BenchFigures {

	private final Path file;

	private BenchFigures(Path file) {
		this.file = file;
	}

	/** The file of the calling script, if any. */
	public static BenchFigures fromEnvironment() {
		String file = System.getenv("BENCH_FIGURES");
		return new BenchFigures((file == null || file.isBlank()) ? null : Path.of(file));
	}

	/** Records one figure; decimals with three places, as the text report rounds them. */
	public void figure(String key, Object value) {
		if (!key.matches("[a-z0-9_]+(\\.[a-z0-9_-]+)*")) {
			throw new IllegalArgumentException("'" + key + "' is not a figure key (lower case, dots between parts)");
		}
		if (this.file == null) {
			return;
		}
		String text = (value instanceof Double || value instanceof Float)
				? String.format(Locale.ROOT, "%.3f", ((Number) value).doubleValue()) : String.valueOf(value);
		try {
			Files.write(this.file, List.of(key + "\t" + text), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
