{application, myapp, [{description, "avmsh pack test application"}, {vsn, "0.1.0"}, {applications, [kernel, stdlib]}]}.
