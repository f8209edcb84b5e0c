# nginx_conf ADDR PORT TAG ROOT DIR: an nginx configuration for tests (sourced
# by e2e tests and the compatibility suite): one worker running as root (the
# test's files are private), in the foreground, sendfile on, every file it
# writes under DIR with TAG in its name, serving ROOT on ADDR:PORT.
nginx_conf() {
    cat <<CONF
user root;
worker_processes 1;
daemon off;
pid $5/$3.pid;
error_log $5/$3.err info;
events { worker_connections 512; }
http {
  access_log off;
  sendfile on;
  keepalive_timeout 30;
  client_body_temp_path $5/$3-body;
  proxy_temp_path $5/$3-proxy;
  fastcgi_temp_path $5/$3-fcgi;
  uwsgi_temp_path $5/$3-uwsgi;
  scgi_temp_path $5/$3-scgi;
  server { listen $1:$2; root $4; }
}
CONF
}
