package dev.protostar.worker.storage;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes at most {@code limit} bytes through and fails on the next one: the size an
 * object store reports before the download is only a promise.
 */
final class LimitedInputStream extends FilterInputStream {

	private final long limit;

	private final String what;

	private long count;

	LimitedInputStream(InputStream in, long limit, String what) {
		super(in);
		this.limit = limit;
		this.what = what;
	}

	@Override
	public int read() throws IOException {
		int b = super.read();
		if (b >= 0) {
			count(1);
		}
		return b;
	}

	@Override
	public int read(byte[] buffer, int offset, int length) throws IOException {
		int n = super.read(buffer, offset, length);
		if (n > 0) {
			count(n);
		}
		return n;
	}

	@Override
	public long skip(long n) throws IOException {
		long skipped = super.skip(n);
		count(skipped);
		return skipped;
	}

	private void count(long n) throws IOException {
		this.count += n;
		if (this.count > this.limit) {
			throw new ObjectTooLargeException(this.what + " is larger than the limit of " + this.limit + " bytes");
		}
	}

}
