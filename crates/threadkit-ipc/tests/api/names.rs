use threadkit_ipc::{
    BoundedSemaphore, Event, Kind, Lock, MAX_NAME_LEN, NameError, OpenError, Options, Semaphore,
};

use crate::support::TestName;

#[test]
fn bad_names_are_refused_with_clear_errors() {
    type Check = fn(&NameError) -> bool;
    let cases: [(&str, Check); 5] = [
        ("", |e| matches!(e, NameError::Empty)),
        ("/", |e| matches!(e, NameError::Empty)),
        ("a/b", |e| matches!(e, NameError::Slash { .. })),
        ("nul\0inside", |e| matches!(e, NameError::Nul { .. })),
        ("..", |e| matches!(e, NameError::Reserved { .. })),
    ];
    for (name, expected) in cases {
        match Lock::create(name, ()) {
            Err(OpenError::InvalidName(error)) => assert!(expected(&error), "{name:?}: {error}"),
            other => panic!("{name:?}: {other:?}"),
        }
        assert!(matches!(Event::open(name), Err(OpenError::InvalidName(_))));
        assert!(matches!(
            Semaphore::unlink(name),
            Err(OpenError::InvalidName(_))
        ));
    }
    let long = "x".repeat(MAX_NAME_LEN + 1);
    assert_eq!(
        Event::create(&long).unwrap_err(),
        OpenError::InvalidName(NameError::TooLong {
            len: MAX_NAME_LEN + 1,
            max: MAX_NAME_LEN
        })
    );
    assert_eq!(
        Event::create("a/b").unwrap_err().to_string(),
        "invalid name: name \"a/b\" contains '/' (only a leading '/' is allowed)"
    );
}

#[test]
fn a_leading_slash_names_the_same_object() {
    let name = TestName::new("slash");
    let event = Event::create(&format!("/{}", name.as_str())).unwrap();
    assert_eq!(event.name(), name.as_str());
    Event::open(&name).unwrap().set();
    assert!(event.is_set());
}

#[test]
fn opening_the_wrong_kind_is_an_error() {
    let name = TestName::new("kinds");
    let _event = Event::create(&name).unwrap();
    assert_eq!(
        Lock::<()>::open(&name).unwrap_err(),
        OpenError::WrongKind {
            name: name.to_string(),
            expected: Kind::Lock,
            found: Kind::Event
        }
    );
    assert!(matches!(
        Semaphore::open(&name),
        Err(OpenError::WrongKind { .. })
    ));
    // A kind-checked unlink removes nothing of another kind.
    assert!(matches!(
        Lock::<()>::unlink(&name),
        Err(OpenError::WrongKind { .. })
    ));
    assert!(Event::open(&name).is_ok());

    let bounded_name = TestName::new("bounded-kind");
    let _bounded = BoundedSemaphore::create(&bounded_name, 1).unwrap();
    let error = Semaphore::open(&bounded_name).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "shared object \"{}\" is a bounded semaphore, not a semaphore",
            bounded_name.as_str()
        )
    );
}

#[test]
fn a_lock_opened_with_another_data_type_is_an_error() {
    let name = TestName::new("data");
    let _lock = Lock::create(&name, 0u64).unwrap();
    assert_eq!(
        Lock::<u32>::open(&name).unwrap_err(),
        OpenError::DataLayout {
            name: name.to_string(),
            expected_size: 4,
            expected_align: 4,
            found_size: 8,
            found_align: 8
        }
    );
    assert!(Lock::<[u8; 8]>::open(&name).is_err(), "alignment differs");
    assert!(Lock::<i64>::open(&name).is_ok(), "same size and alignment");
}

#[test]
fn create_open_and_unlink_report_what_exists() {
    let name = TestName::new("lifecycle");
    assert!(matches!(
        Lock::<()>::open(&name),
        Err(OpenError::NotFound { .. })
    ));
    assert!(matches!(
        Lock::<()>::unlink(&name),
        Err(OpenError::NotFound { .. })
    ));
    let lock = Lock::open_or_create(&name, ()).unwrap();
    assert!(matches!(
        Lock::create(&name, ()),
        Err(OpenError::AlreadyExists { .. })
    ));
    let again = Lock::<()>::open_or_create(&name, ()).unwrap();
    let guard = lock.acquire().unwrap();
    assert!(again.is_locked(), "both handles are one lock");
    drop(guard);
    Lock::<()>::unlink(&name).unwrap();
    assert!(matches!(
        threadkit_ipc::unlink(&name),
        Err(OpenError::NotFound { .. })
    ));
}

#[test]
fn objects_not_made_by_threadkit_are_refused() {
    let name = TestName::new("foreign");
    std::fs::write(
        format!("/dev/shm/{}", name.as_str()),
        b"#!/bin/sh\necho not a threadkit object, but long enough to hold a header\n",
    )
    .unwrap();
    assert_eq!(
        Lock::<()>::open(&name).unwrap_err(),
        OpenError::NotThreadkit {
            name: name.to_string()
        }
    );
    assert!(matches!(
        Event::unlink(&name),
        Err(OpenError::NotThreadkit { .. })
    ));
    threadkit_ipc::unlink(&name).unwrap();
}

#[test]
fn objects_of_another_user_are_refused_unless_allowed() {
    let name = TestName::new("foreign-owner");
    let event = Event::create_with(&name, Options::new().mode(0o666)).unwrap();
    // Hand the object to another user, as if that user had made the name first. Only
    // root can; for other users this test cannot be set up and says so (the check
    // itself is also unit-tested, in sys/shm.rs).
    const NOBODY: u32 = 65534;
    let path = format!("/dev/shm/{}", name.as_str());
    match std::os::unix::fs::chown(&path, Some(NOBODY), None) {
        Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => {
            eprintln!("skipped: only root can give an object to another user");
            return;
        }
        result => result.unwrap(),
    }
    let refused = OpenError::ForeignOwner {
        name: name.to_string(),
        uid: NOBODY,
    };
    assert_eq!(Event::open(&name).unwrap_err(), refused);
    assert_eq!(Event::open_or_create(&name).unwrap_err(), refused);
    assert!(
        refused.to_string().contains("belongs to user 65534"),
        "{refused}"
    );
    // Unless the caller says the other user is trusted.
    let trusting = Options::new().allow_foreign_owner(true);
    Event::open_with(&name, trusting).unwrap().set();
    assert!(event.is_set());
    Event::open_or_create_with(&name, trusting).unwrap();
    // Removing the name does not use the object: no owner check.
    Event::unlink(&name).unwrap();
}
