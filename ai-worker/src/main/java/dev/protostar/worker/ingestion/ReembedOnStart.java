package dev.protostar.worker.ingestion;

import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

import dev.protostar.contract.queue.IngestionJobPayload;
import dev.protostar.contract.queue.JobPayloads;
import dev.protostar.worker.embedding.EmbeddingProvider;
import dev.protostar.worker.queue.JobQueue;

/**
 * After a model switch, enqueues a re-ingestion of every ready document embedded by
 * another model, so the index ends up with one kind of vector. Job ids are
 * {@code ingest-<documentId>-model-<old>-<new>} (8 hex digits of each model name's
 * SHA-256): every worker starting with the new model enqueues the same ids, and the
 * queue keeps one of each.
 */
class ReembedOnStart {

	private static final Logger log = LoggerFactory.getLogger(ReembedOnStart.class);

	private final IngestionRepository documents;

	private final EmbeddingProvider embeddings;

	private final JobQueue queue;

	ReembedOnStart(IngestionRepository documents, EmbeddingProvider embeddings, JobQueue queue) {
		this.documents = documents;
		this.embeddings = embeddings;
		this.queue = queue;
	}

	@EventListener(ApplicationReadyEvent.class)
	void enqueueReembeds() {
		try {
			run();
		}
		catch (RuntimeException ex) {
			log.warn("Could not look for documents embedded by another model than '{}' (tried again at the next"
					+ " start): {}", this.embeddings.model(), ex.toString());
		}
	}

	int run() {
		String model = this.embeddings.model();
		List<UUID> stale = this.documents.readyWithOtherModel(model);
		int enqueued = 0;
		for (UUID id : stale) {
			String old = this.documents.find(id).map(IngestionRepository.Document::embeddingModel).orElse("");
			String jobId = "ingest-" + id + "-model-" + VectorIndexes.sha256(old).substring(0, 8) + "-"
					+ VectorIndexes.sha256(model).substring(0, 8);
			String payload = JobPayloads.write(new IngestionJobPayload(jobId, id.toString(), null, null));
			if (this.queue.enqueue(jobId, IngestionJobPayload.TYPE, payload)) {
				enqueued++;
			}
		}
		if (!stale.isEmpty()) {
			log.info("Embedding model is now '{}': {} ready documents were embedded by another model; enqueued {}"
					+ " re-ingestions (the rest were queued already)", model, stale.size(), enqueued);
		}
		return enqueued;
	}

}
