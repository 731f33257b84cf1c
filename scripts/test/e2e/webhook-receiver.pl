#!/usr/bin/perl
# Summary: A webhook receiver for the alert e2e checks: every request's path and body,
# one line each on stdout (the container's log), answered 200.
# Usage: perl webhook-receiver.pl PORT
#
# Runs in protostar/nginx (perl-base only: core sockets, no modules). Alertmanager's
# generic webhook and its Slack notifier both POST JSON with a Content-Length; the body is
# printed on one line as "<path> <body>", newlines folded to spaces.
use strict;
use warnings;
use IO::Socket::INET;

my $port = shift or die "usage: webhook-receiver.pl PORT\n";
my $listener = IO::Socket::INET->new(LocalAddr => '0.0.0.0', LocalPort => $port, Listen => 64, ReuseAddr => 1)
  or die "listen on $port: $!\n";
$| = 1;
print "webhook receiver listening on $port\n";
while (my $client = $listener->accept) {
  my $request = <$client>;
  next unless defined $request;
  my ($method, $path) = split ' ', $request;
  my $length = 0;
  while (my $line = <$client>) {
    $line =~ s/\r?\n$//;
    last if $line eq '';
    $length = $1 if $line =~ /^Content-Length:\s*(\d+)/i;
  }
  my $body = '';
  read($client, $body, $length - length($body), length($body)) while length($body) < $length && !eof($client);
  $body =~ s/[\r\n]+/ /g;
  print "$path $body\n";
  # Exactly "ok": Alertmanager's Slack notifier takes any other body as Slack's error, and
  # retries (never sending the resolved message).
  print $client "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  close $client;
}
