package dev.protostar.worker.ingestion;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.contentstream.operator.Operator;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDocument;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSObjectKey;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.filter.FilterFactory;
import org.apache.pdfbox.io.IOUtils;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.text.PDFTextStripper;
import org.apache.pdfbox.text.TextPosition;

/**
 * The text of a PDF, read with PDFBox within {@link ParseLimits}.
 *
 * <ul>
 * <li>The file is read from disk as it is needed, and what PDFBox caches (decrypted
 * streams) goes to a temporary file, not the heap.</li>
 * <li>More than {@code maxPages} pages: refused before any page is read, and again
 * while reading should the page tree lie about its size.</li>
 * <li>PDFBox decodes a stream (a page's content, a font) into memory in one go, with
 * no limit of its own, so a few megabytes of compressed zeros would become gigabytes.
 * Before the text is read, every stream the text could need (all but images and
 * attachments) is decoded once into a counter, and one that decodes to more than
 * {@code maxPdfStreamBytes} fails the file. Not covered: the cross-reference and object
 * streams PDFBox decodes while opening the file, before any check can run.</li>
 * <li>The text stops at {@link ParseLimits#rawChars()} characters, and one page at
 * {@value #MAX_PAGE_CHARS}: PDFBox holds a page's characters (some 200 bytes each)
 * until the page is done.</li>
 * <li>The deadline is checked before every content stream operator.</li>
 * </ul>
 */
final class PdfText {

	/** Characters one page may hold; a dense A4 page in 6-point type holds about 20,000. */
	static final int MAX_PAGE_CHARS = 500_000;

	/** Filters only images use: the text never decodes them. */
	private static final Set<COSName> IMAGE_FILTERS = Set.of(COSName.DCT_DECODE, COSName.DCT_DECODE_ABBREVIATION,
			COSName.JPX_DECODE, COSName.CCITTFAX_DECODE, COSName.CCITTFAX_DECODE_ABBREVIATION, COSName.JBIG2_DECODE);

	private PdfText() {
	}

	static String extract(Path file, ParseLimits limits, Deadline deadline) throws UnusableDocumentException {
		try (PDDocument document = Loader.loadPDF(file.toFile(), IOUtils.createTempFileOnlyStreamCache())) {
			deadline.check();
			if (document.getNumberOfPages() > limits.maxPages()) {
				throw new LimitExceededException(limits.tooManyPages());
			}
			checkStreams(document.getDocument(), limits, deadline);
			BoundedText text = new BoundedText(limits, deadline);
			Stripper stripper = new Stripper(limits, deadline);
			stripper.setSortByPosition(true);
			stripper.writeText(document, text);
			return text.toString();
		}
		catch (InvalidPasswordException ex) {
			throw new UnusableDocumentException("the PDF is encrypted with a password");
		}
		catch (IOException | RuntimeException ex) {
			LimitExceededException limit = LimitExceededException.in(ex);
			if (limit != null) {
				throw limit;
			}
			deadline.check(); // an abandoned parse's reads fail once its thread is interrupted
			throw new UnusableDocumentException("the PDF is corrupt or unreadable: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Decodes every stream the text could need into a counter. Streams are never inside
	 * object streams, so only the objects at a file offset are looked at.
	 */
	private static void checkStreams(COSDocument document, ParseLimits limits, Deadline deadline) {
		List<COSObjectKey> keys = new ArrayList<>();
		for (Map.Entry<COSObjectKey, Long> entry : document.getXrefTable().entrySet()) {
			if (entry.getValue() != null && entry.getValue() > 0) {
				keys.add(entry.getKey());
			}
		}
		for (COSObjectKey key : keys) {
			deadline.check();
			COSBase object;
			try {
				object = document.getObjectFromPool(key).getObject();
			}
			catch (RuntimeException ex) {
				if (LimitExceededException.in(ex) != null) {
					throw ex;
				}
				continue; // broken: PDFBox skips it too, or fails the file when it needs it
			}
			if (object instanceof COSStream stream) {
				checkDecodedSize(stream, key.getNumber(), limits, deadline);
			}
		}
	}

	private static void checkDecodedSize(COSStream stream, long object, ParseLimits limits, Deadline deadline) {
		if (COSName.IMAGE.equals(stream.getCOSName(COSName.SUBTYPE))
				|| COSName.EMBEDDED_FILE.equals(stream.getCOSName(COSName.TYPE))) {
			return;
		}
		List<COSName> filters = filters(stream.getFilters());
		if (filters.isEmpty() || filters.stream().anyMatch(IMAGE_FILTERS::contains)) {
			return;
		}
		try {
			InputStream in = stream.createRawInputStream();
			for (int i = 0; i < filters.size(); i++) {
				boolean last = i == filters.size() - 1;
				Capped out = new Capped(limits.maxPdfStreamBytes(), limits.pdfStreamTooLarge(object), deadline, !last);
				try (InputStream input = in) {
					FilterFactory.INSTANCE.getFilter(filters.get(i)).decode(input, out, stream, i);
				}
				in = last ? null : out.asInput();
			}
		}
		catch (IOException | RuntimeException ex) {
			if (LimitExceededException.in(ex) != null) {
				throw LimitExceededException.in(ex);
			}
			// Corrupt or unsupported: PDFBox copes with it (or not) when it reads it.
		}
	}

	private static List<COSName> filters(COSBase filters) {
		List<COSName> names = new ArrayList<>();
		if (filters instanceof COSName name) {
			names.add(name);
		}
		else if (filters instanceof COSArray array) {
			for (int i = 0; i < array.size(); i++) {
				if (array.getObject(i) instanceof COSName name) {
					names.add(name);
				}
			}
		}
		return names;
	}

	/** Counts what a filter writes (keeping it only for the next filter) and fails past the cap. */
	private static final class Capped extends OutputStream {

		private final long cap;

		private final ByteArrayOutputStream kept;

		private final String tooLarge;

		private final Deadline deadline;

		private long count;

		Capped(long cap, String tooLarge, Deadline deadline, boolean keep) {
			this.cap = cap;
			this.tooLarge = tooLarge;
			this.deadline = deadline;
			this.kept = keep ? new ByteArrayOutputStream() : null;
		}

		@Override
		public void write(int b) {
			count(1);
			if (this.kept != null) {
				this.kept.write(b);
			}
		}

		@Override
		public void write(byte[] bytes, int offset, int length) {
			count(length);
			if (this.kept != null) {
				this.kept.write(bytes, offset, length);
			}
		}

		private void count(int n) {
			this.count += n;
			if (this.count > this.cap) {
				throw new LimitExceededException(this.tooLarge);
			}
			this.deadline.check();
		}

		InputStream asInput() {
			return new ByteArrayInputStream(this.kept.toByteArray());
		}

	}

	/** PDFBox's text stripper, checking the limits at every page and operator. */
	private static final class Stripper extends PDFTextStripper {

		private final ParseLimits limits;

		private final Deadline deadline;

		private int pages;

		private int pageChars;

		Stripper(ParseLimits limits, Deadline deadline) {
			this.limits = limits;
			this.deadline = deadline;
		}

		@Override
		protected void startPage(PDPage page) throws IOException {
			if (++this.pages > this.limits.maxPages()) {
				throw new LimitExceededException(this.limits.tooManyPages());
			}
			this.pageChars = 0;
			this.deadline.check();
			super.startPage(page);
		}

		@Override
		protected void processOperator(Operator operator, List<COSBase> operands) throws IOException {
			this.deadline.check();
			super.processOperator(operator, operands);
		}

		@Override
		protected void processTextPosition(TextPosition text) {
			if (++this.pageChars > MAX_PAGE_CHARS) {
				throw new LimitExceededException("page " + this.pages + " of the PDF holds more than "
						+ MAX_PAGE_CHARS + " characters, more than any real page");
			}
			super.processTextPosition(text);
		}

	}

}
