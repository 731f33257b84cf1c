package dev.protostar.worker.ingestion;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The per-model HNSW index on document_chunks (see V3__documents.sql): a partial
 * expression index {@code ((embedding::vector(dim)) vector_cosine_ops) WHERE
 * embedding_model = 'model'}. The default model's index comes with the schema; another
 * configured model gets its own before its first chunk is written, built CONCURRENTLY
 * so writers are not blocked. Several workers may race to create it: IF NOT EXISTS and
 * a second look make that harmless.
 */
class VectorIndexes {

	private static final Logger log = LoggerFactory.getLogger(VectorIndexes.class);

	private static final int MAX_IDENTIFIER = 63;

	private final JdbcTemplate jdbc;

	private final boolean create;

	private volatile boolean ensured;

	VectorIndexes(JdbcTemplate jdbc, boolean create) {
		this.jdbc = jdbc;
		this.create = create;
	}

	/** The index name for a model: {@code document_chunks_hnsw_<model>_<dim>}, hashed when too long. */
	static String indexName(String model, int dimension) {
		String slug = model.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
		String name = "document_chunks_hnsw_" + slug + "_" + dimension;
		if (name.length() <= MAX_IDENTIFIER && slug.equals(model.replace('-', '_'))) {
			return name;
		}
		// Lossy slug or too long: a hash of the exact model name keeps names distinct.
		String hash = sha256(model).substring(0, 8);
		String prefix = "document_chunks_hnsw_";
		String suffix = "_" + dimension + "_" + hash;
		int room = MAX_IDENTIFIER - prefix.length() - suffix.length();
		return prefix + slug.substring(0, Math.min(room, slug.length())) + suffix;
	}

	/** Creates the model's index unless it exists (once per process when it succeeds). */
	void ensure(String model, int dimension) {
		if (this.ensured || !this.create) {
			return;
		}
		String name = indexName(model, dimension);
		if (!exists(name)) {
			log.info("Creating HNSW index {} for embedding model '{}' ({} dimensions)", name, model, dimension);
			try {
				// Model names come from configuration, but quote them anyway.
				this.jdbc.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS " + name
						+ " ON document_chunks USING hnsw ((embedding::vector(" + dimension
						+ ")) vector_cosine_ops) WHERE embedding_model = '" + model.replace("'", "''") + "'");
			}
			catch (RuntimeException ex) {
				if (!exists(name)) {
					throw ex;
				}
				log.debug("another worker created {} meanwhile: {}", name, ex.toString());
			}
		}
		this.ensured = true;
	}

	private boolean exists(String name) {
		Boolean found = this.jdbc.queryForObject("SELECT to_regclass(?) IS NOT NULL", Boolean.class, name);
		return Boolean.TRUE.equals(found);
	}

	static String sha256(String text) {
		return sha256(text.getBytes(StandardCharsets.UTF_8));
	}

	static String sha256(byte[] bytes) {
		return HexFormat.of().formatHex(sha256Digest().digest(bytes));
	}

	static MessageDigest sha256Digest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
