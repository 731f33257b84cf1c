#!/usr/bin/perl
# Summary: A stand-in for an HTTP service the e2e suites cannot run (Jenkins, Grafana, the
# backend behind the production nginx): it answers what it saw.
# Usage: perl standin.pl NAME PORT...
#
# Runs in protostar/nginx, which has perl-base only (no modules beyond the core sockets):
# SHA-1 and base64 for the websocket handshake come from the openssl command.
#   - any request: 200, text/plain lines "key=value": service, port, peer (the TCP
#     peer), x-real-ip, x-forwarded-for, x-forwarded-proto, host, authorization, method,
#     uri, body-bytes (the request body is read and counted, also when chunked)
#   - Upgrade: websocket with a Sec-WebSocket-Key: 101 Switching Protocols with the
#     RFC 6455 accept value, then one text frame "hello from NAME", then it closes
#   - GET /api/events: an event stream: "data: first" at once, "data: second" 3 s later
# Every answer carries X-Frame-Options: ALLOW (so a proxy that should replace it can be
# caught passing it on). One process per connection; keep-alive is honoured.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;

my ($name, @ports) = @ARGV;
die "usage: standin.pl NAME PORT...\n" unless $name && @ports;
$SIG{CHLD} = 'IGNORE';
$| = 1;
my @listeners = map {
  IO::Socket::INET->new(LocalAddr => '0.0.0.0', LocalPort => $_, Listen => 256, ReuseAddr => 1)
    or die "listen on $_: $!\n"
} @ports;
my $select = IO::Select->new(@listeners);
print "$name listening on @ports\n";
while (1) {
  for my $listener ($select->can_read) {
    my $client = $listener->accept or next;
    my $pid = fork;
    if (defined $pid && $pid == 0) {
      close $_ for @listeners;
      serve($client, $client->sockport);
      exit 0;
    }
    close $client;
  }
}

sub read_body {
  my ($c, $h) = @_;
  my $n = 0;
  my $buf;
  if (lc($h->{'transfer-encoding'} // '') eq 'chunked') {
    while (defined(my $size = <$c>)) {
      $size = hex($size =~ s/[;\r\n].*//sr);
      if ($size == 0) { while (defined(my $l = <$c>)) { last if $l =~ /^\r?\n$/ } last }
      read($c, $buf, $size);
      $n += length $buf;
      <$c>;
    }
  } elsif (my $left = $h->{'content-length'} // 0) {
    while ($left > 0) {
      my $got = read($c, $buf, $left > 65536 ? 65536 : $left) or last;
      $n += $got;
      $left -= $got;
    }
  }
  return $n;
}

sub websocket_accept {
  my ($key) = @_;
  open(my $fh, '-|', 'sh', '-c', 'printf %s "$1" | openssl sha1 -binary | openssl base64 -A', 'sh',
    $key . '258EAFA5-E914-47DA-95CA-C5AB0DC85B11') or die;
  my $accept = <$fh>;
  close $fh;
  return $accept;
}

sub serve {
  my ($c, $port) = @_;
  $c->autoflush(1);
  while (defined(my $line = <$c>)) {
    my ($method, $uri) = $line =~ m{^(\S+) (\S+) HTTP/1\.[01]\r?\n$} or return;
    my %h;
    while (defined(my $l = <$c>)) {
      last if $l =~ /^\r?\n$/;
      $h{lc $1} = $2 if $l =~ /^([^:]+):\s*(.*?)\r?\n$/;
    }
    my $bytes = read_body($c, \%h);
    if (lc($h{upgrade} // '') eq 'websocket' && $h{'sec-websocket-key'}) {
      my $accept = websocket_accept($h{'sec-websocket-key'});
      my $text = "hello from $name";
      print $c "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
        "Sec-WebSocket-Accept: $accept\r\n\r\n", chr(0x81), chr(length $text), $text;
      sleep 1;
      return;
    }
    if ($uri eq '/api/events') {
      print $c "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n",
        "Connection: close\r\n\r\ndata: first\n\n";
      sleep 3;
      print $c "data: second\n\n";
      return;
    }
    my $body = join '', map { "$_->[0]=" . ($_->[1] // '') . "\n" } (
      [service => $name], [port => $port], [peer => $c->peerhost],
      ['x-real-ip' => $h{'x-real-ip'}], ['x-forwarded-for' => $h{'x-forwarded-for'}],
      ['x-forwarded-proto' => $h{'x-forwarded-proto'}], [host => $h{host}],
      [authorization => $h{authorization}], [method => $method], [uri => $uri], ['body-bytes' => $bytes]);
    my $close = lc($h{connection} // '') eq 'close';
    print $c "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ", length($body), "\r\n",
      "X-Frame-Options: ALLOW\r\n", ($close ? "Connection: close\r\n" : ''), "\r\n", $body;
    return if $close;
  }
}
