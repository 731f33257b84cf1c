package dev.protostar.worker.ingestion;

import java.time.Duration;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How documents are ingested (environment: PROTOSTAR_INGESTION_*, see
 * application.properties). Uploads are untrusted: the limits from {@code maxPages} on
 * make a crafted file fail its document with a reason instead of exhausting the
 * worker's memory or holding a job thread (see {@link ParseLimits}).
 *
 * @param maxBytes the largest file the worker downloads; a larger one fails
 * @param maxChars the most characters of text a file may yield (a 50 MB text would be
 * tens of thousands of chunks); a file with more fails, and extraction stops as soon
 * as it is clear the text will not fit, before the whole text is built
 * @param chunkSize the most characters in a chunk; the default model reads about 256
 * tokens, some 1,000 characters of English
 * @param chunkOverlap characters a chunk repeats from the end of the one before
 * @param reembedOnStart at start-up, enqueue a re-ingestion of every ready document
 * whose embedding model is not the configured one (so switching models re-embeds
 * everything instead of leaving two kinds of vectors)
 * @param maxPages the most pages a PDF may have; a PDF with more fails as a whole
 * (rather than being indexed in part without anyone noticing). 2,000 pages is four
 * thick handbooks; each page costs parsing time and memory whether it holds text or not
 * @param maxPdfStreamSize the most bytes one stream of a PDF (a page's content, a
 * font) may decode to. PDFBox decodes a stream into memory in one go, and a megabyte of
 * compressed zeros decodes to a gigabyte; a page's content takes kilobytes, a fully
 * embedded CJK font some 20 MB
 * @param maxDocxEntrySize the most bytes one entry of a DOCX's ZIP container may unpack
 * to (POI's max entry size). POI parses a part's XML into memory at up to some 30
 * times its size (20 MB of tiny paragraphs took 0.6 to 0.75 GB of heap), so this times
 * the jobs run at once ({@code protostar.queue.concurrency}, 4) must fit the worker's
 * heap. 5,000,000 characters of prose (the max-chars default) written by POI are
 * 5.3 MB of XML, which leaves room for Word's heavier markup
 * @param minDocxInflateRatio the lowest compressed-to-unpacked size ratio of a DOCX
 * entry over 100 KB (POI's zip-bomb guard and its default): 0.01 refuses an entry that
 * unpacks to more than 100 times its compressed size; prose XML compresses about 8
 * times, a gigabyte of one letter about 1,000 times
 * @param maxDocxEntries the most entries (files) a DOCX's ZIP container may hold
 * (POI's max file count and its default); each image is one
 * @param parseTimeout how long reading one file's text may take; a file still being
 * read then fails and the job thread is free for the next one. PDFBox reads 2,000
 * pages of text (5,000,000 characters) in about 5 s on one core of the test machine
 */
@Validated
@ConfigurationProperties("protostar.ingestion")
record IngestionProperties(
		@DefaultValue("50MB") DataSize maxBytes,
		@DefaultValue("5000000") @Min(1) long maxChars,
		@DefaultValue("1000") @Min(50) @Max(100000) int chunkSize,
		@DefaultValue("150") @Min(0) int chunkOverlap,
		@DefaultValue("true") boolean reembedOnStart,
		@DefaultValue("2000") @Min(1) int maxPages,
		@DefaultValue("64MB") DataSize maxPdfStreamSize,
		@DefaultValue("20MB") DataSize maxDocxEntrySize,
		@DefaultValue("0.01") @DecimalMin("0") @DecimalMax("1") double minDocxInflateRatio,
		@DefaultValue("1000") @Min(1) int maxDocxEntries,
		@DefaultValue("120s") Duration parseTimeout) {

	/** The limits of reading one file, as the text extractor applies them. */
	ParseLimits parseLimits() {
		return new ParseLimits(this.maxChars, this.maxPages, this.maxPdfStreamSize.toBytes(),
				this.maxDocxEntrySize.toBytes(), this.minDocxInflateRatio, this.maxDocxEntries, this.parseTimeout);
	}

}
