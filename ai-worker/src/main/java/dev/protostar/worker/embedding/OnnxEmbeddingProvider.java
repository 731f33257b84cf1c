package dev.protostar.worker.embedding;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.output.Response;

/**
 * The default provider: the quantised all-MiniLM-L6-v2 sentence-transformer (384
 * dimensions) run in-process by ONNX Runtime. Model and tokenizer ship inside the
 * LangChain4j Maven package, so nothing is downloaded at run time. It is trained on
 * English: Korean text gets poor vectors, which is why retrieval will also rank
 * lexically, and why an OpenAI-compatible server with a multilingual model is the
 * alternative ({@link OpenAiEmbeddingProvider}).
 *
 * <p>
 * Texts of a batch are embedded in parallel, one per thread (what LangChain4j does
 * itself, but here with per-text token counts); the model is loaded on first use.
 */
public class OnnxEmbeddingProvider implements EmbeddingProvider, AutoCloseable {

	public static final String MODEL = "all-minilm-l6-v2-q";

	public static final int DIMENSION = 384;

	private final int maxBatchSize;

	private final ExecutorService executor;

	private volatile AllMiniLmL6V2QuantizedEmbeddingModel model;

	/**
	 * @param threads texts embedded at once (ONNX Runtime also parallelises inside
	 * one text; more threads than cores does not help)
	 */
	public OnnxEmbeddingProvider(int maxBatchSize, int threads) {
		this.maxBatchSize = maxBatchSize;
		AtomicInteger n = new AtomicInteger();
		this.executor = Executors.newFixedThreadPool(threads, (r) -> {
			Thread thread = new Thread(r, "onnx-embed-" + n.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
	}

	@Override
	public String model() {
		return MODEL;
	}

	@Override
	public int dimension() {
		return DIMENSION;
	}

	@Override
	public int maxBatchSize() {
		return this.maxBatchSize;
	}

	@Override
	public List<Embedding> embed(List<String> texts) {
		AllMiniLmL6V2QuantizedEmbeddingModel model = onnxModel();
		List<Future<Embedding>> futures = new ArrayList<>(texts.size());
		for (String text : texts) {
			futures.add(this.executor.submit(() -> {
				// One segment per call: the result carries that text's token count.
				Response<List<dev.langchain4j.data.embedding.Embedding>> response = model
					.embedAll(List.of(TextSegment.from(text)));
				Integer tokens = (response.tokenUsage() != null) ? response.tokenUsage().inputTokenCount() : null;
				return new Embedding(response.content().get(0).vector(), (tokens != null) ? tokens : -1);
			}));
		}
		List<Embedding> result = new ArrayList<>(texts.size());
		try {
			for (Future<Embedding> future : futures) {
				result.add(future.get());
			}
		}
		catch (InterruptedException ex) {
			futures.forEach((f) -> f.cancel(true));
			Thread.currentThread().interrupt();
			throw new EmbeddingException("interrupted while embedding", true, ex);
		}
		catch (ExecutionException ex) {
			futures.forEach((f) -> f.cancel(true));
			throw new EmbeddingException("the ONNX model failed: " + ex.getCause(), true, ex.getCause());
		}
		return result;
	}

	private AllMiniLmL6V2QuantizedEmbeddingModel onnxModel() {
		AllMiniLmL6V2QuantizedEmbeddingModel model = this.model;
		if (model == null) {
			synchronized (this) {
				model = this.model;
				if (model == null) {
					model = new AllMiniLmL6V2QuantizedEmbeddingModel();
					this.model = model;
				}
			}
		}
		return model;
	}

	@Override
	public void close() {
		this.executor.shutdownNow();
	}

}
